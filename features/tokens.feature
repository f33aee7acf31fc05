@op:token
Feature: Login with Amazon access tokens
  Every request to Credential Locker and SMAPI carries
  "Authorization: Bearer <access token>". A skill gets access tokens from
  Login with Amazon with POST /auth/o2/token, form encoded, with its LWA
  client_id and client_secret and a grant: refresh_token (the usual case),
  authorization_code or client_credentials. The answer is
  {"access_token", "refresh_token", "token_type": "bearer", "expires_in": 3600}.
  A bad grant is 400 with an OAuth error (invalid_grant, invalid_request,
  unsupported_grant_type); a bad client is 401 invalid_client.

  In the forms below {client_id}, {client_secret} and {refresh_token} stand
  for the LWA client and customer A's refresh token; the harness fills them in
  and never prints them.

  @status:200
  Scenario: A refresh token is exchanged for a bearer access token
    When a token request is sent with the form "grant_type=refresh_token&refresh_token={refresh_token}&client_id={client_id}&client_secret={client_secret}"
    Then the status is 200
    And the answer holds a bearer access token that expires in 3600 seconds

  @mock-only @status:200
  Scenario Outline: Every grant of the contract issues a bearer access token (<grant>)
    When a token request is sent with the form "<form>"
    Then the status is 200
    And the answer holds a bearer access token that expires in 3600 seconds

    Examples:
      | grant              | form                                                                                          |
      | authorization_code | grant_type=authorization_code&code={authorization_code}&client_id={client_id}&client_secret={client_secret} |
      | client_credentials | grant_type=client_credentials&scope=alexa::ask:skills:readwrite&client_id={client_id}&client_secret={client_secret} |

  @mock-only @status:400
  Scenario: An unknown authorization code is an invalid grant
    When a token request is sent with the form "grant_type=authorization_code&code=not-a-real-code&client_id={client_id}&client_secret={client_secret}"
    Then the status is 400
    And the answer is the OAuth error "invalid_grant"

  @status:200
  Scenario: The access token opens the Credential Locker API
    Given customer A has exchanged its refresh token for an access token
    When customer A lists the Thread networks for an extendedPanId nobody uses with that same access token
    Then the status is 200

  @status:400
  Scenario Outline: A bad grant is rejected with 400 and an OAuth error (<case>)
    When a token request is sent with the form "<form>"
    Then the status is 400
    And the answer is the OAuth error "<error>"

    Examples:
      | case                   | form                                                                                                   | error                  |
      | unknown refresh token  | grant_type=refresh_token&refresh_token=Atzr%7Cnot-a-real-token&client_id={client_id}&client_secret={client_secret} | invalid_grant          |
      | refresh token missing  | grant_type=refresh_token&client_id={client_id}&client_secret={client_secret}                          | invalid_request        |
      | unsupported grant type | grant_type=password&username=a&password=b&client_id={client_id}&client_secret={client_secret}         | unsupported_grant_type |

  @status:401
  Scenario Outline: An unknown or misconfigured client is rejected with 401 invalid_client (<case>)
    When a token request is sent with the form "<form>"
    Then the status is 401
    And the answer is the OAuth error "invalid_client"

    Examples:
      | case                | form                                                                                                              |
      | wrong client secret | grant_type=refresh_token&refresh_token={refresh_token}&client_id={client_id}&client_secret=not-the-secret         |
      | unknown client id   | grant_type=refresh_token&refresh_token={refresh_token}&client_id=amzn1.application-oa2-client.unknown&client_secret={client_secret} |

  @mock-only @status:401
  Scenario: An access token stops working after expires_in seconds
    Given customer A has exchanged its refresh token for an access token
    And the mock's clock moves forward 3601 seconds
    When customer A lists the Thread networks for an extendedPanId nobody uses with that same access token
    Then the status is 401
    And the answer is a JSON error with a message

  @mock-only @status:200
  Scenario: The reference client refreshes an expired token once and carries on
    Given the caller is customer A
    And the caller has listed the Thread networks for that extendedPanId
    And the mock's clock moves forward 3601 seconds
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 200
    And the client made 2 attempts, the second with a new access token

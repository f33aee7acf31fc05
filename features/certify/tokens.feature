Feature: Your client uses its access token and refreshes it once
  The client uses the access token it is given. When the service answers 401
  it gets a new one from Login with Amazon (grant_type=refresh_token) and
  retries once (rule T1); a second 401 is final. A refresh that LWA refuses
  (invalid_grant) ends the call (T3). A client with a valid access token does
  not call LWA at all (T2): a client that refreshes on every call is never
  throttled for it (the rate limit is per token), so only the count shows it.
  LWA answering 429 or 503 is retried like any service.

  Scenario Outline: An expired access token on <operation>: one refresh, one retry, success
    Given the client is given an expired access token
    When the client runs <operation>
    Then the client refreshed the access token once and retried once
    And the back-off rules hold
    And the client exits 0 with the service's answer

    @op:create-network @status:401 @rule:T1
    Examples: create
      | operation      |
      | create-network |

    @op:get-networks @status:401 @rule:T1
    Examples: get
      | operation    |
      | get-networks |

    @op:skill-credentials @status:401 @rule:T1
    Examples: credentials
      | operation         |
      | skill-credentials |

  @op:get-networks @status:401 @rule:T1
  Scenario: A 401 after the refresh is final
    Given the service answers the next 2 get-networks requests with 401
    When the client runs get-networks
    Then the service saw 2 get-networks requests
    And the service saw 1 token request
    And the back-off rules hold
    And the client exits non-zero

  @op:skill-credentials @status:401 @status:400 @rule:T3
  Scenario: A refresh refused with invalid_grant ends the call
    Given the client is given an expired access token
    And the client's refresh token has been revoked
    When the client runs skill-credentials
    Then the service saw 1 token request
    And the service saw at most 1 skill-credentials request
    And the client exits non-zero

  @op:get-networks @status:200 @rule:T2
  Scenario: A valid access token: no call to Login with Amazon over several calls
    When the client runs get-networks 3 times in a row
    Then the client did not call Login with Amazon
    And every call exits 0 with the service's answer

  Scenario Outline: Login with Amazon answering <status> is retried
    Given the client is given no access token
    And the service answers the next token request with <status>
    When the client runs skill-credentials
    Then the service saw 2 token requests
    And the back-off rules hold
    And the client exits 0 with the service's answer

    @op:skill-credentials @status:429 @rule:C7
    Examples: LWA 429
      | status |
      | 429    |

    @op:skill-credentials @status:503 @rule:C7
    Examples: LWA 503
      | status |
      | 503    |

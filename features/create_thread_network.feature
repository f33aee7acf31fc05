@op:createThreadNetwork
Feature: Create a Thread network
  A smart home skill creates a customer's Thread network with
  PUT /credentiallocker/v2/threadNetworks when it scans and finds no network to
  join. The body is {"threadNetwork": {...}}: extendedPanId, networkName and
  networkKey are required non-empty strings; pskc, panId (string),
  channelNumber (integer, 11-26) and defaultBorderAgentId are optional;
  networkName holds at most 16 bytes of UTF-8. Unknown properties are ignored.
  A successful create answers 200 with no body. Errors are JSON with a
  human readable "message".

  The token is the customer's Alexa event gateway token, and it must carry
  the Thread network permission scope.

  Background:
    Given the caller is customer A

  @writes @status:200
  Scenario: A new network is created and can be read back
    When the caller creates a new Thread network
    Then the status is 200
    And the answer has no body
    And the network is listed for the caller with every field as created

  @writes @status:200
  Scenario: Every optional field is stored and returned
    When the caller creates a new Thread network with every optional field
    Then the status is 200
    And the network is listed for the caller with every field as created

  @writes @status:200
  Scenario Outline: A body at the edge of the rules is accepted (<case>)
    When the caller creates a Thread network whose <field> is <value>
    Then the status is 200

    Examples:
      | case                             | field         | value                           |
      | networkName of exactly 16 bytes  | networkName   | "ABCDEFGHIJKLMNOP"              |
      | 16 bytes of multi-byte UTF-8     | networkName   | "ÅÅÅÅÅÅÅÅ"                      |
      | lowest channel 11                | channelNumber | 11                              |
      | highest channel 26               | channelNumber | 26                              |
      | an unknown property is ignored   | vendorNote    | "ignored by the service"        |

  @status:400
  Scenario Outline: An invalid property is rejected with 400 (<case>)
    When the caller creates a Thread network whose <field> is <value>
    Then the status is 400
    And the answer is a JSON error with a message

    Examples:
      | case                              | field         | value                 |
      | extendedPanId missing             | extendedPanId | absent                |
      | extendedPanId empty               | extendedPanId | ""                    |
      | extendedPanId not a string        | extendedPanId | 1234                  |
      | networkName missing               | networkName   | absent                |
      | networkName empty                 | networkName   | ""                    |
      | networkName of 17 bytes           | networkName   | "ABCDEFGHIJKLMNOPQ"   |
      | networkName of 18 multi-byte bytes| networkName   | "ÅÅÅÅÅÅÅÅÅ"           |
      | networkKey missing                | networkKey    | absent                |
      | networkKey empty                  | networkKey    | ""                    |
      | networkKey not a string           | networkKey    | true                  |
      | channelNumber below 11            | channelNumber | 10                    |
      | channelNumber above 26            | channelNumber | 27                    |
      | channelNumber as a string         | channelNumber | "16"                  |
      | channelNumber not an integer      | channelNumber | 16.5                  |
      | panId not a string                | panId         | 4660                  |

  @status:400
  Scenario Outline: A malformed body is rejected with 400 (<case>)
    When the caller sends a create request whose raw body is '<body>'
    Then the status is 400
    And the answer is a JSON error with a message

    Examples:
      | case                          | body                          |
      | not JSON                      | this is not json              |
      | truncated JSON                | {"threadNetwork": {           |
      | an empty object               | {}                            |
      | threadNetwork is a string     | {"threadNetwork": "network"}  |
      | threadNetwork is null         | {"threadNetwork": null}       |
      | a JSON array                  | [{"threadNetwork": {}}]       |

  @writes @status:409
  Scenario: Creating the same network twice is a conflict
    Given the caller has created a new Thread network
    When the caller creates the same Thread network again
    Then the status is 409
    And the answer is a JSON error with a message

  @writes @status:200
  Scenario: One extendedPanId may carry several networks under different names
    Given the caller has created a new Thread network
    When the caller creates another Thread network with the same extendedPanId named "Second-Net"
    Then the status is 200
    And the caller's networks for that extendedPanId are exactly 2

  @status:401
  Scenario Outline: A request without a valid token is rejected with 401 (<case>)
    When the caller creates a new Thread network sending the Authorization header "<header>"
    Then the status is 401
    And the answer is a JSON error with a message

    Examples:
      | case                      | header                       |
      | no Authorization header   | <none>                       |
      | an empty bearer token     | Bearer                       |
      | not a bearer scheme       | Basic aGFybmVzczpoYXJuZXNz   |
      | an unknown token          | Bearer Atza\|not-a-real-token |

  @mock-only @status:401
  Scenario: An expired access token is rejected with 401
    Given the caller holds an access token
    And the mock's clock moves forward 3601 seconds
    When the caller creates a new Thread network with that same access token
    Then the status is 401
    And the answer is a JSON error with a message

  @needs:noscope @status:403
  Scenario: A customer token without the Thread scope is forbidden
    Given the caller is a customer without the Thread scope
    When the caller creates a new Thread network
    Then the status is 403
    And the answer is a JSON error with a message

  @status:404
  Scenario: An unknown API version is not found
    When the caller sends a create request to "/credentiallocker/v9/threadNetworks"
    Then the status is 404
    And the answer is a JSON error with a message

  @mock-only
  Scenario Outline: A failing service answers <status> as a JSON error
    Given the mock answers the next createThreadNetwork request with <status>
    When the caller creates a new Thread network
    Then the status is <status>
    And the answer is a JSON error with a message

    @status:429
    Examples: throttled
      | status |
      | 429    |

    @status:500
    Examples: server error
      | status |
      | 500    |

    @status:503
    Examples: unavailable
      | status |
      | 503    |

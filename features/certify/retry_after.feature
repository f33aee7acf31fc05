Feature: Your client waits at least the Retry-After it is given
  A 429 or 503 may carry Retry-After, as a number of seconds or as an
  HTTP-date (RFC 9110 §10.2.3). Either way it is a floor: the next attempt
  must not arrive before it (rule C1; 50 ms of tolerance for seconds, 1 s for
  a date, which has whole-second precision). A connection the service resets
  is retried like a 503.

  @op:get-networks @status:429 @rule:C1
  Scenario: A 429 with Retry-After in seconds is retried no sooner
    Given the service answers the next get-networks request with 429 and Retry-After 1
    When the client runs get-networks
    Then the back-off rules hold
    And the service saw 2 get-networks requests
    And the client exits 0 with the service's answer

  @op:skill-credentials @status:503 @rule:C1
  Scenario: A 503 with Retry-After in seconds is retried no sooner
    Given the service answers the next skill-credentials request with 503 and Retry-After 1
    When the client runs skill-credentials
    Then the back-off rules hold
    And the service saw 2 skill-credentials requests
    And the client exits 0 with the service's answer

  @op:get-networks @status:429 @rule:C1
  Scenario: A 429 with Retry-After as an HTTP-date is retried no sooner
    Given the service answers the next get-networks request with 429 and Retry-After 1 as an HTTP-date
    When the client runs get-networks
    Then the back-off rules hold
    And the service saw 2 get-networks requests
    And the client exits 0 with the service's answer

  @op:skill-credentials @status:503 @rule:C1
  Scenario: A 503 with Retry-After as an HTTP-date is retried no sooner
    Given the service answers the next skill-credentials request with 503 and Retry-After 1 as an HTTP-date
    When the client runs skill-credentials
    Then the back-off rules hold
    And the service saw 2 skill-credentials requests
    And the client exits 0 with the service's answer

  Scenario Outline: A reset connection on <operation> is retried
    Given the service resets the connection of the next <operation> request
    When the client runs <operation>
    Then the back-off rules hold
    And the service saw 2 <operation> requests
    And the client exits 0 with the service's answer

    @op:create-network @rule:C7
    Examples: create
      | operation      |
      | create-network |

    @op:get-networks @rule:C7
    Examples: get
      | operation    |
      | get-networks |

    @op:skill-credentials @rule:C7
    Examples: credentials
      | operation         |
      | skill-credentials |

  @op:get-networks @status:429 @rule:C1
  Scenario: A per-token rate limit below the client's pace: every call succeeds
    Several calls in a row with the same access token run into the rate
    limit; each waits for the Retry-After and succeeds.

    Given the service allows 1 get-networks request per second per access token, then answers 429 with Retry-After 1
    When the client runs get-networks 3 times in a row
    Then the back-off rules hold
    And every call exits 0 with the service's answer

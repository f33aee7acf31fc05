Feature: Your client gives up after a bounded number of attempts
  When 429, 500 or 503 persists, the client must stop after a bounded number
  of attempts (rule C3, at most --max-attempts, default 5), exit non-zero,
  and not send the request again (C6). A client still retrying when its call
  time limit (--call-timeout) passes is killed, and that counts as never
  giving up.

  Scenario Outline: A persistent <status> on <operation>: bounded attempts, then a non-zero exit
    Given the service answers every <operation> request with <status>
    When the client runs <operation>
    Then the back-off rules hold
    And the client exits non-zero

    @op:get-networks @status:429 @rule:C3 @rule:C6
    Examples: get 429
      | operation    | status |
      | get-networks | 429    |

    @op:get-networks @status:500 @rule:C3 @rule:C6
    Examples: get 500
      | operation    | status |
      | get-networks | 500    |

    @op:get-networks @status:503 @rule:C3 @rule:C6
    Examples: get 503
      | operation    | status |
      | get-networks | 503    |

    @op:skill-credentials @status:503 @rule:C3 @rule:C6
    Examples: credentials 503
      | operation         | status |
      | skill-credentials | 503    |

    @op:create-network @status:500 @rule:C3 @rule:C6
    Examples: create 500
      | operation      | status |
      | create-network | 500    |

  Scenario Outline: The back-off of <operation> grows
    The statistical back-off test (C4) needs at least 200 retry gaps, so the
    harness runs the operation many times at once, each a new call of its
    own, under a persistent 503 without Retry-After, and tests whether the
    waits after the first retry are longer than before it (Kendall's τ, one
    sided, α = 0.01). Full jitter, equal jitter and plain exponential
    back-off pass whatever their base and cap; a constant delay fails.

    Given the service answers every <operation> request with 503
    When the client runs <operation> many times at once until 200 retry gaps are collected
    Then the retry gaps grow with the attempt number
    And the back-off rules hold
    And every call exits non-zero

    @op:get-networks @status:503 @rule:C4
    Examples: get
      | operation    |
      | get-networks |

    @op:skill-credentials @status:503 @rule:C4
    Examples: credentials
      | operation         |
      | skill-credentials |

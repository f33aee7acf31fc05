Feature: Your client handles every documented answer
  Credential Locker, SMAPI and Login with Amazon answer 200, 400, 401, 403,
  404, 409 (create only), 429, 500 and 503. Your client must turn each into
  the right outcome: a success exits 0 with the answer on stdout; 400, 403,
  404 and 409 are final (sent once, exit non-zero); 429, 500 and 503 are
  retried with back-off until they succeed.

  Scenario Outline: <operation> succeeds and exits 0 with the answer
    When the client runs <operation>
    Then the client exits 0 with the service's answer
    And the service saw 1 <operation> request
    And the client did not call Login with Amazon

    @op:create-network @status:200 @rule:X1 @rule:T2
    Examples: create
      | operation      |
      | create-network |

    @op:get-networks @status:200 @rule:X1 @rule:T2
    Examples: get
      | operation    |
      | get-networks |

    @op:skill-credentials @status:200 @rule:X1 @rule:T2
    Examples: credentials
      | operation         |
      | skill-credentials |

  Scenario Outline: <operation> answered <status> is final: sent once, exit non-zero
    Given the service answers the next <operation> request with <status>
    When the client runs <operation>
    Then the back-off rules hold
    And the service saw 1 <operation> request
    And the client exits non-zero

    @op:create-network @rule:C2 @rule:X1
    Examples: create
      | operation      | status |
      | create-network | 400    |
      | create-network | 403    |
      | create-network | 404    |
      | create-network | 409    |

    @op:get-networks @rule:C2 @rule:X1
    Examples: get
      | operation    | status |
      | get-networks | 400    |
      | get-networks | 403    |
      | get-networks | 404    |

    @op:skill-credentials @rule:C2 @rule:X1
    Examples: credentials
      | operation         | status |
      | skill-credentials | 400    |
      | skill-credentials | 403    |
      | skill-credentials | 404    |

  Scenario Outline: <operation> answered <status> once is retried and succeeds
    A transient failure must not fail a customer's device setup: a client
    that never retries it fails rule C7.

    Given the service answers the next <operation> request with <status>
    When the client runs <operation>
    Then the back-off rules hold
    And the service saw 2 <operation> requests
    And the client exits 0 with the service's answer

    @op:create-network @rule:C7 @rule:X1
    Examples: create
      | operation      | status |
      | create-network | 429    |
      | create-network | 500    |
      | create-network | 503    |

    @op:get-networks @rule:C7 @rule:X1
    Examples: get
      | operation    | status |
      | get-networks | 429    |
      | get-networks | 500    |
      | get-networks | 503    |

    @op:skill-credentials @rule:C7 @rule:X1
    Examples: credentials
      | operation         | status |
      | skill-credentials | 429    |
      | skill-credentials | 500    |
      | skill-credentials | 503    |

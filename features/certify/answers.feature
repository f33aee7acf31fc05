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

    @op:create-network @status:400 @rule:C2 @rule:X1
    Examples: create 400
      | operation      | status |
      | create-network | 400    |

    @op:create-network @status:403 @rule:C2 @rule:X1
    Examples: create 403
      | operation      | status |
      | create-network | 403    |

    @op:create-network @status:404 @rule:C2 @rule:X1
    Examples: create 404
      | operation      | status |
      | create-network | 404    |

    @op:create-network @status:409 @rule:C2 @rule:X1
    Examples: create 409
      | operation      | status |
      | create-network | 409    |

    @op:get-networks @status:400 @rule:C2 @rule:X1
    Examples: get 400
      | operation    | status |
      | get-networks | 400    |

    @op:get-networks @status:403 @rule:C2 @rule:X1
    Examples: get 403
      | operation    | status |
      | get-networks | 403    |

    @op:get-networks @status:404 @rule:C2 @rule:X1
    Examples: get 404
      | operation    | status |
      | get-networks | 404    |

    @op:skill-credentials @status:400 @rule:C2 @rule:X1
    Examples: credentials 400
      | operation         | status |
      | skill-credentials | 400    |

    @op:skill-credentials @status:403 @rule:C2 @rule:X1
    Examples: credentials 403
      | operation         | status |
      | skill-credentials | 403    |

    @op:skill-credentials @status:404 @rule:C2 @rule:X1
    Examples: credentials 404
      | operation         | status |
      | skill-credentials | 404    |

  Scenario Outline: <operation> answered <status> once is retried and succeeds
    A transient failure must not fail a customer's device setup: a client
    that never retries it fails rule C7.

    Given the service answers the next <operation> request with <status>
    When the client runs <operation>
    Then the back-off rules hold
    And the service saw 2 <operation> requests
    And the client exits 0 with the service's answer

    @op:create-network @status:429 @rule:C7 @rule:X1
    Examples: create 429
      | operation      | status |
      | create-network | 429    |

    @op:create-network @status:500 @rule:C7 @rule:X1
    Examples: create 500
      | operation      | status |
      | create-network | 500    |

    @op:create-network @status:503 @rule:C7 @rule:X1
    Examples: create 503
      | operation      | status |
      | create-network | 503    |

    @op:get-networks @status:429 @rule:C7 @rule:X1
    Examples: get 429
      | operation    | status |
      | get-networks | 429    |

    @op:get-networks @status:500 @rule:C7 @rule:X1
    Examples: get 500
      | operation    | status |
      | get-networks | 500    |

    @op:get-networks @status:503 @rule:C7 @rule:X1
    Examples: get 503
      | operation    | status |
      | get-networks | 503    |

    @op:skill-credentials @status:429 @rule:C7 @rule:X1
    Examples: credentials 429
      | operation         | status |
      | skill-credentials | 429    |

    @op:skill-credentials @status:500 @rule:C7 @rule:X1
    Examples: credentials 500
      | operation         | status |
      | skill-credentials | 500    |

    @op:skill-credentials @status:503 @rule:C7 @rule:X1
    Examples: credentials 503
      | operation         | status |
      | skill-credentials | 503    |

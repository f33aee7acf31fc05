@op:getThreadNetworks
Feature: Get a customer's Thread networks
  A skill reads the Thread networks a customer shared with Alexa with
  GET /credentiallocker/v2/threadNetworks?extendedPanId=...&networkName=...&maxResults=...&nextToken=...
  extendedPanId is required (the skill finds it by DNS-SD); networkName is an
  optional exact-match filter; maxResults is 1-100 (default 10); nextToken is
  the opaque token of the previous page. The answer is
  {"threadNetworks": [...], "nextToken": "..."} and lists only the caller's
  own networks. A query that matches nothing is 200 with an empty list.

  Background:
    Given the caller is customer A

  @writes @status:200
  Scenario: A created network is returned with every field
    Given the caller has created a new Thread network with every optional field
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 200
    And the list holds exactly the networks the caller created
    And the last page has no nextToken

  @writes @status:200
  Scenario: networkName filters by exact match
    Given the caller has created a new Thread network named "Kitchen"
    And the caller has created another Thread network with the same extendedPanId named "Kitchen-2"
    When the caller lists the Thread networks for that extendedPanId named "Kitchen"
    Then the status is 200
    And the list holds exactly the networks named "Kitchen"

  @status:200
  Scenario: A query that matches nothing is an empty list, not an error
    When the caller lists the Thread networks for an extendedPanId nobody uses
    Then the status is 200
    And the list is empty
    And the last page has no nextToken

  @status:200
  Scenario Outline: A valid maxResults is accepted (<maxResults>)
    When the caller lists Thread networks with the query "extendedPanId={extendedPanId}&maxResults=<maxResults>"
    Then the status is 200
    And the list is empty

    Examples:
      | maxResults |
      | 1          |
      | 100        |

  @status:400
  Scenario Outline: An invalid query is rejected with 400 (<case>)
    When the caller lists Thread networks with the query "<query>"
    Then the status is 400
    And the answer is a JSON error with a message

    Examples:
      | case                        | query                                                  |
      | extendedPanId missing       | maxResults=10                                          |
      | extendedPanId empty         | extendedPanId=                                         |
      | maxResults zero             | extendedPanId={extendedPanId}&maxResults=0             |
      | maxResults negative         | extendedPanId={extendedPanId}&maxResults=-1            |
      | maxResults above 100        | extendedPanId={extendedPanId}&maxResults=101           |
      | maxResults not a number     | extendedPanId={extendedPanId}&maxResults=ten           |
      | nextToken never issued      | extendedPanId={extendedPanId}&nextToken=forged-token   |

  @status:401
  Scenario Outline: A request without a valid token is rejected with 401 (<case>)
    When the caller lists the Thread networks for that extendedPanId sending the Authorization header "<header>"
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
    When the caller lists the Thread networks for that extendedPanId with that same access token
    Then the status is 401
    And the answer is a JSON error with a message

  @needs:noscope @status:403
  Scenario: A customer token without the Thread scope is forbidden
    Given the caller is a customer without the Thread scope
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 403
    And the answer is a JSON error with a message

  @status:404
  Scenario: An unknown API version is not found
    When the caller lists Thread networks at "/credentiallocker/v9/threadNetworks"
    Then the status is 404
    And the answer is a JSON error with a message

  @mock-only
  Scenario Outline: A failing service answers <status> as a JSON error
    Given the mock answers the next getThreadNetworks request with <status>
    When the caller lists the Thread networks for that extendedPanId
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

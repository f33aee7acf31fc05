@op:getSkillCredentials
Feature: Get a skill's messaging credentials
  The skill's developer reads the client id and secret the skill uses to send
  messages with GET /v1/skills/{skillId}/credentials (SMAPI). The token is an
  LWA token of the vendor (developer account) that owns the skill. skillId is
  1-255 characters. The answer is
  {"skillMessagingCredentials": {"clientId": "...", "clientSecret": "..."}}.

  Background:
    Given the caller is the skill's vendor

  @status:200
  Scenario: The skill's vendor reads the credentials
    When the caller gets the credentials of the skill
    Then the status is 200
    And the answer holds the skill's messaging client id and secret

  @mock-only @status:200
  Scenario: The mock serves the well-known skill credentials
    When the caller gets the credentials of the skill
    Then the status is 200
    And the credentials are the mock's well-known skill credentials

  @status:400
  Scenario Outline: A skillId outside 1-255 characters is rejected with 400 (<length> characters)
    When the caller gets the credentials of a skill whose id is <length> characters long
    Then the status is 400
    And the answer is a JSON error with a message

    Examples:
      | length |
      | 256    |
      | 300    |

  @status:404
  Scenario: A skillId of exactly 255 characters is valid but unknown
    When the caller gets the credentials of a skill whose id is 255 characters long
    Then the status is 404
    And the answer is a JSON error with a message

  @status:404
  Scenario: An unknown skill is not found
    When the caller gets the credentials of the skill "amzn1.ask.skill.00000000-0000-4000-8000-0000000000ff"
    Then the status is 404
    And the answer is a JSON error with a message

  @status:401
  Scenario Outline: A request without a valid token is rejected with 401 (<case>)
    When the caller gets the credentials of the skill sending the Authorization header "<header>"
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
    When the caller gets the credentials of the skill with that same access token
    Then the status is 401
    And the answer is a JSON error with a message

  @needs:other-vendor @status:403
  Scenario: Another vendor may not read the skill's credentials
    Given the caller is another vendor
    When the caller gets the credentials of the skill
    Then the status is 403
    And the answer is a JSON error with a message

  @needs:other-vendor
  Scenario: Another vendor's refusal does not reveal the credentials
    Given the caller is another vendor
    When the caller gets the credentials of the skill
    Then the answer does not contain the skill's client secret

  @mock-only
  Scenario Outline: A failing service answers <status> as a JSON error
    Given the mock answers the next getSkillCredentials request with <status>
    When the caller gets the credentials of the skill
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

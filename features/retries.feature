@mock-only
Feature: The reference client backs off and retries
  429 (throttled), 500 (server error) and 503 (unavailable) are retryable:
  "retry the request by using exponential back-off". When the answer carries
  Retry-After (delay-seconds), the next attempt must wait at least that long.
  400, 403, 404 and 409 are never retried; 401 is retried at most once, and
  only with a new token. These scenarios show our reference client doing so,
  as both the client's attempt log and the mock's journal see it, with a
  small back-off (base 10 ms, cap 50 ms, at most 3 attempts).

  Background:
    Given the caller is customer A
    And the caller uses the reference client with the standard retry policy

  @op:getThreadNetworks @status:429
  Scenario: A throttled request waits for Retry-After, then succeeds
    Given the mock answers the next getThreadNetworks request with 429 and Retry-After 1
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 200
    And the client made 2 attempts
    And the mock saw the retry arrive at least 1 second after the 429

  @op:createThreadNetwork @status:503 @writes
  Scenario: An unavailable service is retried until it answers
    Given the mock answers the next 2 createThreadNetwork requests with 503
    When the caller creates a new Thread network
    Then the status is 200
    And the client made 3 attempts
    And the mock saw 3 createThreadNetwork requests from the caller

  @op:getSkillCredentials @status:500
  Scenario: A server error is retried with back-off
    Given the caller is the skill's vendor
    And the mock answers the next getSkillCredentials request with 500
    When the caller gets the credentials of the skill
    Then the status is 200
    And the client made 2 attempts

  @op:getThreadNetworks @status:503
  Scenario: The client gives up after its last attempt
    Given the mock answers the next 5 getThreadNetworks requests with 503
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 503
    And the client made 3 attempts
    And the mock saw 3 getThreadNetworks requests from the caller

  @op:getThreadNetworks @status:429
  Scenario: A rate limit is honoured under a burst
    Given the mock limits getThreadNetworks to 1 request per second per token with Retry-After 1
    When the caller lists the Thread networks for that extendedPanId 2 times in a row
    Then every call succeeds
    And no attempt arrived before the Retry-After it was given had passed

  @op:getThreadNetworks @status:400
  Scenario: A bad request is not retried
    When the caller lists Thread networks with the query "extendedPanId={extendedPanId}&maxResults=0"
    Then the status is 400
    And the client made 1 attempt

  @op:getSkillCredentials @status:403 @needs:other-vendor
  Scenario: A forbidden request is not retried
    Given the caller is another vendor
    When the caller gets the credentials of the skill
    Then the status is 403
    And the client made 1 attempt
    And the mock saw 1 getSkillCredentials request from the caller

  @op:getSkillCredentials @status:404
  Scenario: A missing skill is not retried
    Given the caller is the skill's vendor
    When the caller gets the credentials of the skill "amzn1.ask.skill.00000000-0000-4000-8000-0000000000ff"
    Then the status is 404
    And the client made 1 attempt

  @op:createThreadNetwork @status:409 @writes
  Scenario: A conflict is not retried
    Given the caller has created a new Thread network
    When the caller creates the same Thread network again
    Then the status is 409
    And the client made 1 attempt

  @op:getThreadNetworks @status:401
  Scenario: A 401 is retried once with a new token
    Given the mock answers the next getThreadNetworks request with 401
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 200
    And the client made 2 attempts, the second with a new access token

  @op:getThreadNetworks @status:401
  Scenario: A second 401 is not retried again
    Given the mock answers the next 2 getThreadNetworks requests with 401
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 401
    And the client made 2 attempts

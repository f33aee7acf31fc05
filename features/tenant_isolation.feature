@op:getThreadNetworks @writes @needs:customer-b
Feature: One customer never sees another customer's networks
  Credential Locker keeps each customer's Thread networks apart: a list
  answers only the caller's own networks, whatever extendedPanId or
  networkName the caller asks for, and a duplicate is judged per customer.

  @status:200
  Scenario: Another customer listing the same extendedPanId sees nothing
    Given customer A has created a new Thread network
    When customer B lists the Thread networks for that extendedPanId
    Then the status is 200
    And the list is empty

  @status:200
  Scenario: Another customer filtering by the same name sees nothing
    Given customer A has created a new Thread network named "Shared-Name"
    When customer B lists the Thread networks for that extendedPanId named "Shared-Name"
    Then the status is 200
    And the list is empty

  @status:200
  Scenario: Two customers may each hold the same extendedPanId and name
    Given customer A has created a new Thread network named "Same-Name"
    When customer B creates a Thread network with the same extendedPanId and name but its own key
    Then the status is 200
    And customer A sees only its own network for that extendedPanId
    And customer B sees only its own network for that extendedPanId

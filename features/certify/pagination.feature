Feature: Your client follows every page
  get-networks must return every matching network across all pages: none
  missing, none twice (rule P1), each page asked for once with the nextToken
  of the previous answer sent back unchanged (P2).

  @op:get-networks @status:200 @rule:P1 @rule:P2
  Scenario: 23 networks across pages of 10 come back complete
    Given the customer has 23 Thread networks
    When the client runs get-networks with maxResults 10
    Then the output holds all 23 Thread networks, none twice
    And every page was asked for once, with the nextToken sent back unchanged
    And the client exits 0 with the service's answer

  @op:get-networks @status:200 @rule:P1 @rule:P2
  Scenario: 23 networks with the service's default page size come back complete
    Given the customer has 23 Thread networks
    When the client runs get-networks
    Then the output holds all 23 Thread networks, none twice
    And every page was asked for once, with the nextToken sent back unchanged

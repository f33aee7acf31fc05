@op:getThreadNetworks @writes
Feature: Paging through many Thread networks
  Several networks of one customer may share an extendedPanId under different
  names, so a query can match more networks than one answer holds. The
  service answers at most maxResults networks (default 10) and a nextToken
  while more remain; the skill sends the nextToken back, with the same query,
  until an answer carries none. A nextToken is bound to the query that
  produced it and is valid for 24 hours; any other token is a 400.

  Background:
    Given the caller is customer A

  @status:200
  Scenario: Pages honour maxResults and list each network exactly once
    Given the caller has created 5 Thread networks under one extendedPanId
    When the caller pages through the Thread networks for that extendedPanId 2 at a time
    Then every page holds at most 2 networks
    And there are 3 pages
    And the pages hold each of the 5 networks exactly once
    And the last page has no nextToken

  @status:200
  Scenario: Without maxResults a page holds at most 10 networks
    Given the caller has created 11 Thread networks under one extendedPanId
    When the caller lists the Thread networks for that extendedPanId
    Then the status is 200
    And the page holds 10 networks and a nextToken
    When the caller pages through the Thread networks for that extendedPanId 10 at a time
    Then the pages hold each of the 11 networks exactly once

  @status:200
  Scenario: A page of exactly maxResults networks ends the listing cleanly
    Given the caller has created 2 Thread networks under one extendedPanId
    When the caller pages through the Thread networks for that extendedPanId 2 at a time
    Then the pages hold each of the 2 networks exactly once
    And the last page has no nextToken

  @status:400
  Scenario: A nextToken is bound to the query that produced it
    Given the caller has created 3 Thread networks under one extendedPanId
    And the caller has the nextToken of the first page of 1
    When the caller sends that nextToken with a different extendedPanId
    Then the status is 400
    And the answer is a JSON error with a message

  @mock-only @status:400
  Scenario: A nextToken expires after 24 hours
    Given the caller has created 3 Thread networks under one extendedPanId
    And the caller has the nextToken of the first page of 1
    And the mock's clock moves forward 25 hours
    When the caller asks for the next page with that nextToken
    Then the status is 400
    And the answer is a JSON error with a message

import AtriumTestSupport
import Foundation
import Hummingbird
import Testing

/// The budget and price routes in process: bad numbers, periods and models are clear 400s in
/// OpenAI shape; a team never reads or sets another team's budgets; budgets and what remains
/// appear in `GET …/limits`, the usage report and `/metrics`.
@Suite struct BudgetRouteTests {
    static let sales = "/v1/admin/teams/acme%2Fsales/budgets"

    @Test func badNumbersPeriodsAndModelsAreClear400s() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let owner = scenario["owner"]
            let bodies: [[String: Any]] = [
                ["unit": "tokens", "amount": -5], ["unit": "tokens", "amount": 0], ["unit": "tokens", "amount": 1e16],
                ["unit": "tokens", "amount": 1.5], ["unit": "tokens", "amount": "abc"], ["unit": "tokens", "amount": "NaN"],
                ["unit": "cost", "amount": "1.1234567"], ["unit": "cost", "amount": "-1"], ["unit": "cost", "amount": "1e3"],
                ["unit": "cost", "amount": "2000000000"], ["unit": "cost", "amount": "0"], ["unit": "euros", "amount": 1],
                ["unit": "tokens", "amount": 10, "warn_percent": 0], ["unit": "tokens", "amount": 10, "warn_percent": 101],
                ["unit": "tokens", "amount": 10, "period": "weekly"],
                ["unit": "tokens", "amount": 10, "period": "window", "start": "2027-01-02T00:00:00Z", "end": "2027-01-01T00:00:00Z"],
                ["unit": "tokens", "amount": 10, "period": "window", "start": "2027-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z"],
                ["unit": "tokens", "amount": 10, "period": "window", "start": "soon", "end": "later"],
                ["user": "bob", "key": "key_abc", "unit": "tokens", "amount": 10],
                ["unit": "tokens"], [:],
            ]
            for body in bodies {
                let answer = try await http.call(.put, Self.sales, key: owner, json: body)
                #expect(answer.status == 400 && answer.isOpenAIError, "\(body): \(answer.status) \(answer.body)")
            }
            for raw in [#"{"unit":"tokens","amount":1e400}"#, #"{"unit":"cost","amount":1e-400}"#, "[1]", "{"] {
                let answer = try await http.call(.put, Self.sales, key: owner, raw: raw)
                #expect(answer.status == 400 && answer.isOpenAIError, "\(raw): \(answer.status) \(answer.body)")
            }
            let prices: [(String, [String: Any])] = [
                ("/v1/admin/prices/no-such-model", ["prompt_per_1k": "0.1", "completion_per_1k": "0.2"]),
                ("/v1/admin/prices/a%00b", ["prompt_per_1k": "0.1", "completion_per_1k": "0.2"]),
                ("/v1/admin/prices/test-model", ["prompt_per_1k": "-0.1", "completion_per_1k": "0.2"]),
                ("/v1/admin/prices/test-model", ["prompt_per_1k": "1000.000001", "completion_per_1k": "0.2"]),
                ("/v1/admin/prices/test-model", ["prompt_per_1k": "0.1"]),
            ]
            for (path, body) in prices {
                let answer = try await http.call(.put, path, key: owner, json: body)
                #expect(answer.status == 400 && answer.isOpenAIError, "\(path) \(body): \(answer.status) \(answer.body)")
            }
            #expect(try await http.call(.get, Self.sales, key: owner).data.isEmpty, "nothing bad was stored")
        }
    }

    @Test func developmentCannotReadOrSetSalesBudgets() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let set = try await http.call(
                .put, Self.sales, key: scenario["alice"], json: ["user": "bob", "unit": "tokens", "amount": 500])
            #expect(set.status == 200, "\(set.body)")
            let id = try #require(set.json["id"] as? String)
            let carol = scenario["carol"]
            #expect(try await http.call(.get, Self.sales, key: carol).status == 404)
            #expect(try await http.call(.put, Self.sales, key: carol, json: ["user": "carol", "unit": "tokens", "amount": 5]).status == 404)
            #expect(try await http.call(.delete, "\(Self.sales)/\(id)", key: carol).status == 404)
            // Through its own team's path, sales' budget does not exist.
            let own = try await http.call(.delete, "/v1/admin/teams/acme%2Fdevelopment/budgets/\(id)", key: carol)
            #expect(own.status == 404, "\(own.body)")
            // Nor can sales budget development's admin.
            let across = try await http.call(.put, Self.sales, key: scenario["alice"], json: ["user": "carol", "unit": "tokens", "amount": 5])
            #expect(across.status == 404, "\(across.body)")
            let budgets = try await http.call(.get, Self.sales, key: scenario["alice"])
            #expect(budgets.data.count == 1 && budgets.data.first?["amount"] as? Int == 500)
        }
    }

    @Test func budgetsAndWhatRemainsShowInLimitsUsageAndMetrics() async throws {
        let world = try ServerWorld.make()
        try await world.test { http in
            let scenario = try await Scenario.build(http, world: world)
            let owner = scenario["owner"]
            #expect(try await http.call(
                .put, "/v1/admin/prices/test-model", key: owner, json: ["prompt_per_1k": "0.5", "completion_per_1k": 1.25]
            ).status == 200)
            let prices = try await http.call(.get, "/v1/admin/prices", key: owner)
            #expect(prices.data.first?["completion_per_1k"] as? String == "1.25", "\(prices.body)")
            let team = try await http.call(.put, Self.sales, key: owner, json: ["unit": "tokens", "amount": 5000])
            #expect(team.status == 200, "\(team.body)")
            let cost = try await http.call(
                .put, Self.sales, key: owner,
                json: ["unit": "cost", "amount": "2.5", "period": "window", "start": "2026-01-01T00:00:00Z",
                       "end": "2036-01-01T00:00:00Z", "warn_percent": 50])
            #expect(cost.status == 200 && cost.json["amount"] as? String == "2.5", "\(cost.body)")
            let chat = try await http.call(
                .post, "/v1/chat/completions", key: scenario["bob"],
                json: ["messages": [["role": "user", "content": "Hi"]], "max_tokens": 16])
            #expect(chat.status == 200, "\(chat.body)")
            await world.writer.flush()
            let usage = chat.json["usage"] as? [String: Any]
            let tokens = (usage?["total_tokens"] as? Int) ?? -1

            let limits = try await http.call(.get, "/v1/admin/teams/acme%2Fsales/limits", key: scenario["alice"])
            let budgets = limits.json["budgets"] as? [[String: Any]] ?? []
            let tokenBudget = try #require(budgets.first { $0["unit"] as? String == "tokens" }, "\(limits.body)")
            #expect(tokenBudget["spent"] as? Int == tokens && tokenBudget["remaining"] as? Int == 5000 - tokens)
            let costBudget = try #require(budgets.first { $0["unit"] as? String == "cost" })
            #expect(costBudget["spent"] as? String != "0", "the chat was priced: \(costBudget)")

            let report = try await http.call(.get, "/v1/admin/usage?team=acme/sales", key: scenario["alice"])
            #expect((report.json["budgets"] as? [[String: Any]])?.count == 2, "\(report.body)")
            let metrics = try await http.call(.get, "/metrics", key: owner)
            #expect(metrics.body.contains("atrium_budget_remaining{"), "\(metrics.body.prefix(2000))")
            #expect(metrics.body.contains("unit=\"tokens\""))
        }
    }
}

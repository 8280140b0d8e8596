import AtriumTestSupport
import Foundation
@testable import Gateway
import Tenancy
import Testing

/// `scripts/bench-guardrails`: what the guardrails add, measured side by side in one run —
/// a 4 KB prompt screened with every entity type on, the answer guard per streamed token,
/// and whole chat requests through the pipeline (a test engine streaming 256 tokens) for a
/// team with guardrails and one without. Prints figures; asserts nothing about time.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ATRIUM_BENCH_GUARDRAILS"] != nil, "set ATRIUM_BENCH_GUARDRAILS=1"))
struct GuardrailBenchmarkTests {
    static let everything = try! GuardrailSettings(
        pii: Dictionary(uniqueKeysWithValues: GuardrailEntity.allCases.map { ($0, .redact) }),
        injection: .init(input: .flag, sources: .flag))

    /// About 4 KB of prose with a few entities in it.
    static let prompt: String = {
        let sentences = [
            "Our quarterly report covers revenue, churn and the renewal pipeline for the northern region.",
            "Please forward the figures to anna.berg@example.com before the meeting on Thursday.",
            "The customer asked whether invoices can be paid by card or by bank transfer.",
            "Call the office at +49 30 1234567 if the shipment of 1,250 units is delayed again.",
            "Margins improved by 3.5 percent after we renegotiated the freight contracts in March.",
        ]
        var text = ""
        var index = 0
        while text.utf8.count < 4096 {
            text += sentences[index % sentences.count] + " "
            index += 1
        }
        return String(text.prefix(4096))
    }()

    static func median(_ samples: [Duration]) -> Duration { samples.sorted()[samples.count / 2] }

    static func microseconds(_ duration: Duration) -> String {
        String(format: "%.1f µs", Double(duration.components.attoseconds) / 1e12 + Double(duration.components.seconds) * 1e6)
    }

    @Test func screeningAndStreamingCosts() throws {
        let clock = ContinuousClock()
        var screening: [Duration] = []
        for _ in 0..<200 {
            let session = GuardrailSession(settings: Self.everything)
            screening.append(try clock.measure { _ = try session.screen(Self.prompt, from: .client) })
        }
        // A 4 KB answer in 1,000 pieces of about 4 bytes, like tokens.
        let bytes = Array(Self.prompt.utf8)
        let pieces = stride(from: 0, to: bytes.count, by: 4).map { String(decoding: bytes[$0..<min($0 + 4, bytes.count)], as: UTF8.self) }
        var perToken: [Duration] = []
        var held: [Int] = []
        for _ in 0..<20 {
            var answer = AnswerGuard(session: GuardrailSession(settings: Self.everything))
            var waiting = 0
            let elapsed = clock.measure {
                for piece in pieces {
                    if answer.accept(piece).isEmpty { waiting += 1 }
                }
                _ = answer.finish()
            }
            perToken.append(elapsed / pieces.count)
            held.append(waiting)
        }
        var heuristics: [Duration] = []
        for _ in 0..<50 { heuristics.append(clock.measure { _ = InjectionScreen.matchesHeuristics(Self.prompt) }) }
        print("guardrails bench: 4 KB prompt, every entity type redacted")
        print("  input screening, 4 KB prompt:      median \(Self.microseconds(Self.median(screening)))")
        print("  injection heuristics, 4 KB prompt: median \(Self.microseconds(Self.median(heuristics)))")
        print("  answer guard per streamed token:   median \(Self.microseconds(Self.median(perToken))) (\(pieces.count) tokens of 4 bytes)")
        print("  tokens whose text waited for the next one: \(held.first ?? 0) of \(pieces.count)")
    }

    @Test func wholeRequestsSideBySide() async throws {
        let words = Self.prompt.split(separator: " ").prefix(256).map { String($0) + " " }
        let backend = ScriptedBackend(.answer(words, Usage(promptTokens: 1000, completionTokens: words.count), .stop))
        let world = try await GatewayWorld.make(backend: backend)
        let alice = try await world.principal("alice")
        _ = try await world.gateway.administration.saveProfile(
            try PromptProfile(guardrails: Self.everything), of: "acme/sales", principal: alice, audit: world.audit())
        let request = ChatRequest(messages: [ChatTurn(role: .user, content: Self.prompt)], streaming: true)
        var totals: [String: [Duration]] = [:]
        var firsts: [String: [Duration]] = [:]
        for round in 0..<120 {
            for holder in round % 2 == 0 ? ["bob", "carol"] : ["carol", "bob"] {
                let audit = world.audit("chat")
                let principal = try await world.principal(holder)
                let scope = try Authorizer.dataScope(of: principal, for: .chat, audit: audit)
                let started = ContinuousClock.now
                let execution = try await world.gateway.pipeline.chat(request, in: scope, audit: audit)
                var first: Duration?
                for try await event in execution.events {
                    if case let .delta(text) = event, !text.isEmpty, first == nil { first = started.duration(to: .now) }
                }
                let total = started.duration(to: .now)
                world.gateway.accountant.finish(audit)
                guard round >= 20 else { continue }  // warm-up
                totals[holder, default: []].append(total)
                firsts[holder, default: []].append(first ?? total)
            }
        }
        let on = Self.median(totals["bob"]!)
        let off = Self.median(totals["carol"]!)
        print("guardrails bench: chat through the pipeline, 4 KB prompt, 256 streamed tokens, 100 requests each")
        print("  guardrails off: median \(Self.microseconds(off)), first text \(Self.microseconds(Self.median(firsts["carol"]!)))")
        print("  guardrails on:  median \(Self.microseconds(on)), first text \(Self.microseconds(Self.median(firsts["bob"]!)))")
        print("  added per request: \(Self.microseconds(on - off)); per streamed token: \(Self.microseconds((on - off) / 256))")
    }
}

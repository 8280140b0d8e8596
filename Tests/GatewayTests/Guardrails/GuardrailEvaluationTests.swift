import Foundation
@testable import Gateway
import Tenancy
import Testing

/// `make eval-guardrails`: precision and recall per entity type on the generated corpus
/// (valid values and near misses in running text), whole and streamed in random chunks
/// through the answer guard. Checksummed types must reach recall 0.99 and precision 0.95.
@Suite struct GuardrailEvaluationTests {
    static let perType = 400

    struct Tally {
        var planted = 0
        var found = 0
        var falseHits = 0
        var streamedPlanted = 0
        var streamedCaught = 0

        var recall: Double { planted == 0 ? 1 : Double(found) / Double(planted) }
        var precision: Double { found + falseHits == 0 ? 1 : Double(found) / Double(found + falseHits) }
        var streamedRecall: Double { streamedPlanted == 0 ? 1 : Double(streamedCaught) / Double(streamedPlanted) }
    }

    @Test func detectorsMeetTheirTargetsOnTheGeneratedCorpus() throws {
        let everything = try GuardrailSettings(pii: Dictionary(uniqueKeysWithValues: GuardrailEntity.allCases.map { ($0, .redact) }))
        var corpus = GuardrailCorpus(seed: 16)
        var splits = SplitMix64(seed: 61)
        var tallies: [GuardrailEntity: Tally] = [:]
        for sample in corpus.samples(perType: Self.perType) {
            let session = GuardrailSession(settings: everything)
            let bytes = Array(sample.text.utf8)
            let hits = try session.scan(bytes)
            var planted: Range<Int>?
            if let value = sample.value, let range = sample.text.range(of: value) {
                let start = sample.text.utf8.distance(from: sample.text.startIndex, to: range.lowerBound)
                planted = start..<(start + value.utf8.count)
                tallies[sample.entity, default: Tally()].planted += 1
            }
            var caught = false
            for hit in hits {
                guard case let .entity(entity) = hit.kind else { continue }
                if entity == sample.entity, let planted, hit.range.overlaps(planted), !caught {
                    caught = true
                    tallies[entity, default: Tally()].found += 1
                } else {
                    tallies[entity, default: Tally()].falseHits += 1
                }
            }
            guard let value = sample.value else { continue }
            // The same text streamed in chunks of 1 to 8 bytes (split inside characters too).
            var answer = AnswerGuard(session: GuardrailSession(settings: everything))
            var output = ""
            var rest = bytes[...]
            while !rest.isEmpty {
                let size = min(rest.count, Int(splits.next() % 8) + 1)
                output += answer.accept(String(decoding: rest.prefix(size), as: UTF8.self))
                rest = rest.dropFirst(size)
            }
            output += answer.finish()
            tallies[sample.entity, default: Tally()].streamedPlanted += 1
            if !output.contains(value), output.contains("[\(sample.entity.label)_1]") {
                tallies[sample.entity, default: Tally()].streamedCaught += 1
            }
        }
        print("guardrails eval: \(Self.perType) valid + \(Self.perType) near-miss samples per type, seed 16")
        print("type          recall  precision  streamed-recall")
        for entity in GuardrailEntity.allCases {
            let tally = tallies[entity] ?? Tally()
            print(
                entity.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: " %6.4f  %9.4f  %15.4f", tally.recall, tally.precision, tally.streamedRecall))
            let checksummed: Set<GuardrailEntity> = [.iban, .paymentCard, .nationalID]
            let (recall, precision) = checksummed.contains(entity) ? (0.99, 0.95) : (0.95, 0.90)
            #expect(tally.recall >= recall && tally.streamedRecall >= recall, "\(entity): \(tally)")
            #expect(tally.precision >= precision, "\(entity): \(tally)")
        }
    }
}

import Foundation
import Testing
@testable import Inference

/// Bad sampling parameters are refused with the parameter's name and range.
@Suite struct SamplingParametersTests {
    @Test func defaultsAreGreedyWithoutPenalties() throws {
        let parameters = try SamplingParameters()
        #expect(parameters.isGreedy && !parameters.hasPenalties && parameters.seed == nil)
    }

    @Test func outOfRangeValuesAreRefusedByName() {
        let cases: [(String, () throws -> SamplingParameters)] = [
            ("temperature", { try SamplingParameters(temperature: -0.1) }),
            ("temperature", { try SamplingParameters(temperature: 2.5) }),
            ("temperature", { try SamplingParameters(temperature: .nan) }),
            ("top_k", { try SamplingParameters(topK: -1) }),
            ("top_p", { try SamplingParameters(topP: 0) }),
            ("top_p", { try SamplingParameters(topP: 1.01) }),
            ("min_p", { try SamplingParameters(minP: -0.5) }),
            ("repetition_penalty", { try SamplingParameters(repetitionPenalty: 0) }),
            ("frequency_penalty", { try SamplingParameters(frequencyPenalty: 2.5) }),
            ("presence_penalty", { try SamplingParameters(presencePenalty: -.infinity) }),
            ("penalty_window", { try SamplingParameters(penaltyWindow: -1) }),
        ]
        for (name, make) in cases {
            do {
                _ = try make()
                Issue.record("\(name) accepted an invalid value")
            } catch let error as SamplingError {
                guard case .outOfRange(let parameter, _, _) = error else { Issue.record("\(error)"); continue }
                #expect(parameter == name)
                #expect(error.description.hasPrefix("\(name) must be"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func edgesOfEachRangeAreAccepted() throws {
        _ = try SamplingParameters(temperature: 2, topK: 0, topP: 1, minP: 1, repetitionPenalty: 10,
                                   frequencyPenalty: -2, presencePenalty: 2, penaltyWindow: 0, seed: .max)
    }

    @Test func codableRoundTripsAndDecodingValidates() throws {
        let parameters = try SamplingParameters(temperature: 0.7, topK: 40, topP: 0.9, seed: 42)
        let data = try JSONEncoder().encode(parameters)
        #expect(try JSONDecoder().decode(SamplingParameters.self, from: data) == parameters)
        let partial = try JSONDecoder().decode(SamplingParameters.self, from: Data(#"{"top_p":0.5}"#.utf8))
        #expect(partial == (try SamplingParameters(topP: 0.5)))
        #expect(throws: SamplingError.self) {
            try JSONDecoder().decode(SamplingParameters.self, from: Data(#"{"temperature":9}"#.utf8))
        }
    }
}

import Foundation
import Testing
@testable import Tenancy

/// "A minted key never outlives nor out-limits the key that minted it", as a table.
@Suite struct KeyTermsTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let requested: KeyTerms
        let minter: KeyTerms
        /// `nil`: refused as `exceeds_creator_key`.
        let expected: KeyTerms?
        var description: String { name }
    }

    static let hour = Date(timeIntervalSince1970: 1_900_000_000)
    static let later = hour.addingTimeInterval(3600)
    static let sooner = hour.addingTimeInterval(-60)

    static func limits(_ requests: Int? = nil, _ tokens: Int? = nil, _ concurrent: Int? = nil) -> KeyLimits {
        try! KeyLimits(requestsPerMinute: requests, tokensPerMinute: tokens, maxConcurrent: concurrent)
    }

    static let cases: [Case] = [
        Case(name: "an unbounded minter lets any terms through", requested: KeyTerms(expiresAt: later, limits: limits(5, 100, 2)),
             minter: KeyTerms(), expected: KeyTerms(expiresAt: later, limits: limits(5, 100, 2))),
        Case(name: "an unbounded minter mints unbounded keys", requested: KeyTerms(), minter: KeyTerms(),
             expected: KeyTerms()),
        Case(name: "no expiry asked: the minter's", requested: KeyTerms(), minter: KeyTerms(expiresAt: hour),
             expected: KeyTerms(expiresAt: hour)),
        Case(name: "an earlier expiry is kept", requested: KeyTerms(expiresAt: sooner), minter: KeyTerms(expiresAt: hour),
             expected: KeyTerms(expiresAt: sooner)),
        Case(name: "the minter's own expiry is allowed", requested: KeyTerms(expiresAt: hour), minter: KeyTerms(expiresAt: hour),
             expected: KeyTerms(expiresAt: hour)),
        Case(name: "a later expiry is refused", requested: KeyTerms(expiresAt: later), minter: KeyTerms(expiresAt: hour),
             expected: nil),
        Case(name: "no limits asked: the minter's", requested: KeyTerms(), minter: KeyTerms(limits: limits(1, nil, 3)),
             expected: KeyTerms(limits: limits(1, nil, 3))),
        Case(name: "lower limits are kept, missing ones inherited", requested: KeyTerms(limits: limits(nil, 50, 1)),
             minter: KeyTerms(limits: limits(10, 100, 2)), expected: KeyTerms(limits: limits(10, 50, 1))),
        Case(name: "a higher request rate is refused", requested: KeyTerms(limits: limits(2)),
             minter: KeyTerms(limits: limits(1)), expected: nil),
        Case(name: "a higher token rate is refused", requested: KeyTerms(limits: limits(nil, 101)),
             minter: KeyTerms(limits: limits(nil, 100)), expected: nil),
        Case(name: "more concurrency is refused", requested: KeyTerms(limits: limits(nil, nil, 3)),
             minter: KeyTerms(limits: limits(nil, nil, 2)), expected: nil),
        Case(name: "a limit the minter lacks may be added", requested: KeyTerms(limits: limits(nil, 10)),
             minter: KeyTerms(limits: limits(1)), expected: KeyTerms(limits: limits(1, 10))),
        Case(name: "the attack: a 1-hour, 1-per-minute key mints an unbounded one",
             requested: KeyTerms(), minter: KeyTerms(expiresAt: hour, limits: limits(1)),
             expected: KeyTerms(expiresAt: hour, limits: limits(1))),
    ]

    @Test(arguments: cases)
    func mintedKeyNeverOutlivesNorOutLimitsItsMinter(_ row: Case) {
        let terms = try? KeyIssuance.terms(requested: row.requested, minter: row.minter)
        #expect(terms == row.expected, "\(row.name)")
        if row.expected == nil {
            #expect(throws: AccessDenied(.exceedsCreatorKey, action: .issueKey)) {
                try KeyIssuance.terms(requested: row.requested, minter: row.minter)
            }
        }
    }
}

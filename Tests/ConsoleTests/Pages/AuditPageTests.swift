import Foundation
import Gateway
import Tenancy
import Testing

/// The audit browser shows the hash chain's status from the same walk as `atrium audit
/// verify` (`GET /v1/admin/audit/verify`): intact through every record, or the first broken
/// record once someone edits the file; only to those who may read an audit.
@Suite struct AuditPageTests {
    @Test func theChainShowsVerifiedThenBrokenAtTheEditedRecord() async throws {
        let world = try ConsoleWorld()
        _ = try await world.scenario()
        try await world.test { browser in
            try await browser.signIn(ConsoleWorld.ownerKey)
            // The writer batches: the scenario's records are in the store once it has flushed.
            await world.writer.flush()
            let plain = try await browser.get("/console/audit")
            #expect(plain.status == 200)
            // The walk reads the whole chain: only on request.
            #expect(!plain.body.contains(#"id="chain-status""#))
            #expect(plain.body.contains("Verify the chain"))
            // An allowed record has no reason: nothing in parentheses.
            #expect(plain.body.contains("<td>allowed</td>"))
            #expect(!plain.body.contains("allowed ()"))

            await world.writer.flush()
            let verified = try await browser.get("/console/audit?verify=1")
            #expect(verified.status == 200)
            #expect(verified.body.contains(#"<p id="chain-status" class="verified" role="status">Verified"#))
            #expect(!verified.body.contains("Broken at record"))

            await world.writer.flush()
            try world.tamper("UPDATE audit_records SET resource = 'nothing to see' WHERE id = 3")
            let broken = try await browser.get("/console/audit?verify=1")
            #expect(broken.status == 200)
            #expect(broken.body.contains(#"<p id="chain-status" class="broken" role="alert">Broken at record 3:"#))
            #expect(broken.body.contains("2 records intact before it"))
        }
    }

    @Test func onlyTheOwnerMayVerifyTheChain() async throws {
        // The chain spans every tenant: a team admin reads its team's records, not the chain.
        for reader in ["alice", "bob"] {
            let world = try ConsoleWorld()
            let keys = try await world.scenario()
            try await world.test { browser in
                try await browser.signIn(keys[reader]!)
                if reader == "alice" {
                    let page = try await browser.get("/console/audit")
                    #expect(page.status == 200)
                    #expect(!page.body.contains("Verify the chain"), "the button is left out for \(reader)")
                }
                let refused = try await browser.get("/console/audit?verify=1")
                #expect(refused.status == 403, "\(reader)")
                #expect(!refused.body.contains("chain-status"))
            }
        }
    }
}

import Foundation
import Testing
import Store
import Tenancy

/// DESIGN §4: on an empty database, create the platform owner and its key, shown once.
@Suite struct BootstrapTests {
    func freshStore() throws -> (AtriumStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("atrium-boot-\(UUID().uuidString)")
        return (try AtriumStore(home: directory), directory)
    }

    @Test func emptyDatabaseGetsAnOwnerWhoseKeyIsShownOnce() async throws {
        let (store, directory) = try freshStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try #require(try await store.bootstrapOwnerIfEmpty(presetKey: nil))
        #expect(key.hasPrefix("atr_"))
        #expect(try await store.bootstrapOwnerIfEmpty(presetKey: nil) == nil)
        let owner = try await store.keys.authenticated(key)
        #expect(owner.role == .owner)
        #expect(owner.binding == .platform)
    }

    @Test func presetAdminKeyBecomesTheOwnerKey() async throws {
        let (store, directory) = try freshStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let preset = "operator-chosen-admin-key"
        #expect(try await store.bootstrapOwnerIfEmpty(presetKey: preset) == preset)
        #expect(try await store.keys.authenticated(preset).role == .owner)
    }

    @Test func tooShortPresetIsRefusedAndCreatesNothing() async throws {
        let (store, directory) = try freshStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: KeyFormatError.presetLength(3)) { try await store.bootstrapOwnerIfEmpty(presetKey: "abc") }
        #expect(try await store.bootstrapOwnerIfEmpty(presetKey: nil) != nil)
    }

    @Test(arguments: StoreBackendKind.allCases) func ownerKeyHasNoDataPlaneAccess(_ backend: StoreBackendKind) async throws {
        let world = try await StoreWorld.make(backend)
        #expect(world.owner.tenantScope == nil)
        #expect(Policy.decide(world.owner, .chat, world.sales.resource) == .deny(.dataPlaneNeedsTeamKey))
        #expect(Policy.decide(world.owner, .readDocuments, world.sales.resource) == .deny(.dataPlaneNeedsTeamKey))
    }
}

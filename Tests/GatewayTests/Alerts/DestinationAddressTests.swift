import Testing
@testable import Gateway

/// An organization's webhook may not lead into the server's own networks.
@Suite struct DestinationAddressTests {
    @Test(arguments: [
        [127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254],
        [100, 64, 0, 1], [0, 0, 0, 0], [224, 0, 0, 1],
    ] as [[UInt8]])
    func privateIPv4AddressesAreRefused(address: [UInt8]) {
        #expect(DestinationAddress.isPrivate(ipv4: address))
    }

    @Test(arguments: [[8, 8, 8, 8], [172, 32, 0, 1], [192, 169, 0, 1], [100, 128, 0, 1], [203, 0, 113, 9]] as [[UInt8]])
    func publicIPv4AddressesAreAllowed(address: [UInt8]) {
        #expect(!DestinationAddress.isPrivate(ipv4: address))
    }

    @Test func ipv6LoopbackUniqueLocalLinkLocalAndMappedPrivateAreRefused() {
        let loopback = [UInt8](repeating: 0, count: 15) + [1]
        let uniqueLocal: [UInt8] = [0xFD] + [UInt8](repeating: 0, count: 14) + [1]
        let linkLocal: [UInt8] = [0xFE, 0x80] + [UInt8](repeating: 0, count: 13) + [1]
        let mapped: [UInt8] = [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 10, 0, 0, 1]
        let global: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        // ::127.0.0.1 (IPv4-compatible), 2002:7f00:1:: (6to4 of 127.0.0.1), 64:ff9b::a9fe:a9fe (NAT64 of 169.254.169.254)
        let compatible: [UInt8] = [UInt8](repeating: 0, count: 12) + [127, 0, 0, 1]
        let sixToFour: [UInt8] = [0x20, 0x02, 127, 0, 0, 1] + [UInt8](repeating: 0, count: 10)
        let nat64: [UInt8] = [0x00, 0x64, 0xFF, 0x9B] + [UInt8](repeating: 0, count: 8) + [169, 254, 169, 254]
        for address in [loopback, uniqueLocal, linkLocal, mapped, compatible, sixToFour, nat64] {
            #expect(DestinationAddress.isPrivate(ipv6: address), "\(address)")
        }
        #expect(!DestinationAddress.isPrivate(ipv6: global))
    }

    @Test func namesAreResolvedBeforeTheyAreJudged() async {
        #expect(await DestinationAddress.isPrivate(host: "localhost") == true)
        #expect(await DestinationAddress.isPrivate(host: "127.0.0.1") == true)
        #expect(await DestinationAddress.isPrivate(host: "[::1]") == true)
        #expect(await DestinationAddress.isPrivate(host: "[::127.0.0.1]") == true)
        #expect(await DestinationAddress.isPrivate(host: "no-such-host.invalid") == nil)
    }
}

import Gateway
import NIOCore
import Testing

/// One rule for "one client" wherever a cap counts clients: an IPv6 client is its /64.
@Suite struct ClientNetworkTests {
    @Test func anIPv6ClientIsItsSlash64AndAMappedIPv4ClientItsIPv4Address() throws {
        let first = ClientNetwork(ipAddress: "2001:db8:1:2::1")
        #expect(first != nil)
        #expect(first == ClientNetwork(ipAddress: "2001:db8:1:2:ffff::9"), "the same /64")
        #expect(first != ClientNetwork(ipAddress: "2001:db8:1:3::1"), "the next /64")
        #expect(ClientNetwork(ipAddress: "10.0.0.1") != ClientNetwork(ipAddress: "10.0.0.2"), "IPv4 whole")
        #expect(ClientNetwork(ipAddress: "::ffff:10.0.0.1") == ClientNetwork(ipAddress: "10.0.0.1"))
        #expect(ClientNetwork(try SocketAddress(ipAddress: "2001:db8:1:2::7", port: 443)) == first)
        #expect(ClientNetwork(ipAddress: "not an address") == nil)
    }

    @Test func aNetworkReadsAsTheAddressOrTheSlash64() {
        #expect(ClientNetwork(ipAddress: "198.51.100.7")?.description == "198.51.100.7")
        #expect(ClientNetwork(ipAddress: "::ffff:198.51.100.7")?.description == "198.51.100.7")
        #expect(ClientNetwork(ipAddress: "2001:0db8:0001:0002:ffff::9")?.description == "2001:db8:1:2::/64")
        #expect(ClientNetwork(ipAddress: "::1")?.description == "0:0:0:0::/64")
        #expect(ClientNetwork(ipAddress: "fe80::1")?.description == "fe80:0:0:0::/64")
    }
}

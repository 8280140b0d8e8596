/// The KV-cache slots sequences run in: `regular` ones open to every tenant, and a reserve
/// that, while several tenants have work, only a tenant running fewer than its fair share may
/// take — so a tenant that holds every regular slot cannot make another tenant wait for one
/// of its requests to end.
package struct SequenceSlots {
    package let regularCount: Int
    package let total: Int
    private var freeRegular: [Int]
    private var freeReserved: [Int]

    /// Slots `0..<regular` are regular, `regular..<(regular + reserved)` the reserve.
    package init(regular: Int, reserved: Int) {
        regularCount = regular
        total = regular + reserved
        freeRegular = Array((0..<regular).reversed())
        freeReserved = Array((regular..<total).reversed())
    }

    package var hasFreeSlot: Bool { !freeRegular.isEmpty || !freeReserved.isEmpty }

    /// The next request to run, in `scheduler`'s fair order among those that `fit`, with the
    /// slot it takes; nil when nothing waiting may take a free slot.
    package mutating func admitNext<Item>(
        from scheduler: inout FairScheduler<Item>, where fits: (FairScheduler<Item>.Waiting) -> Bool
    ) -> (FairScheduler<Item>.Waiting, slot: Int)? {
        guard hasFreeSlot else { return nil }
        let regular = !freeRegular.isEmpty
        // The reserve is for sharing: a tenant alone never takes it, however much it queues.
        let tenants = scheduler.activeTenants
        let belowShare = regular || tenants.count < 2 ? [] : tenants.filter { scheduler.isBelowFairShare($0, slots: total) }
        guard let next = scheduler.admitNext(where: { fits($0) && (regular || belowShare.contains($0.tenant)) }) else {
            return nil
        }
        return (next, regular ? freeRegular.removeLast() : freeReserved.removeLast())
    }

    /// Gives a slot back.
    package mutating func release(_ slot: Int) {
        if slot < regularCount { freeRegular.append(slot) } else { freeReserved.append(slot) }
    }
}

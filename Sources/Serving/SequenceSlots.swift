/// The KV-cache slots sequences run in: `regular` ones open to every tenant, and a reserve
/// that, while several tenants have work, only a tenant running fewer than its fair share may
/// take — so a tenant that holds every regular slot cannot make another tenant wait for one
/// of its requests to end. A tenant's fair share is the slots in use split by team weight
/// (``FairScheduler/isBelowFairShare(_:slots:)``).
///
/// The slots open at a time may be limited below what exists (``limit(regular:reserved:)``):
/// a gateway whose pool lost an upstream lets fewer requests in, and lets them in again when
/// it returns. Slots held beyond a lowered limit stay held until released.
package struct SequenceSlots {
    package let regularCount: Int
    package let total: Int
    private var freeRegular: [Int]
    private var freeReserved: [Int]
    /// Regular and reserved slots that may be held at once (at most the counts).
    private(set) var regularLimit: Int
    private(set) var reservedLimit: Int

    /// Slots `0..<regular` are regular, `regular..<(regular + reserved)` the reserve.
    package init(regular: Int, reserved: Int) {
        regularCount = regular
        total = regular + reserved
        freeRegular = Array((0..<regular).reversed())
        freeReserved = Array((regular..<total).reversed())
        regularLimit = regular
        reservedLimit = reserved
    }

    /// Slots that may be held at once now: the total, or less under a ``limit(regular:reserved:)``.
    package var capacity: Int { regularLimit + reservedLimit }

    private var held: Int { total - freeRegular.count - freeReserved.count }
    // Each kind within its limit and, as slots held beyond a lowered limit may be of either
    // kind, all together within the capacity.
    private var regularOpen: Bool {
        !freeRegular.isEmpty && regularCount - freeRegular.count < regularLimit && held < capacity
    }
    private var reservedOpen: Bool {
        !freeReserved.isEmpty && (total - regularCount) - freeReserved.count < reservedLimit && held < capacity
    }

    package var hasFreeSlot: Bool { regularOpen || reservedOpen }

    /// Opens at most `regular` regular and `reserved` reserved slots (clamped to what exists).
    package mutating func limit(regular: Int, reserved: Int) {
        regularLimit = min(max(0, regular), regularCount)
        reservedLimit = min(max(0, reserved), total - regularCount)
    }

    /// The next request to run, in `scheduler`'s fair order among those that `fit`, with the
    /// slot it takes; nil when nothing waiting may take a free slot.
    package mutating func admitNext<Item>(
        from scheduler: inout FairScheduler<Item>, where fits: (FairScheduler<Item>.Waiting) -> Bool
    ) -> (FairScheduler<Item>.Waiting, slot: Int)? {
        guard hasFreeSlot else { return nil }
        let regular = regularOpen
        // The reserve is for sharing: a tenant alone never takes it, however much it queues.
        // (Only then are the active tenants counted: a regular slot, the usual case, needs
        // no set of them.)
        var belowShare: Set<String> = []
        if !regular {
            let tenants = scheduler.activeTenants
            let slots = capacity
            if tenants.count >= 2 { belowShare = tenants.filter { scheduler.isBelowFairShare($0, slots: slots) } }
        }
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

/// The `capacity` best (highest) scores seen, kept in a min-heap so each new score costs one
/// comparison unless it enters.
struct TopScores {
    let capacity: Int
    private(set) var scores: [Float] = []
    private(set) var ids: [Int64] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        scores.reserveCapacity(self.capacity)
        ids.reserveCapacity(self.capacity)
    }

    /// The score a newcomer must beat once the heap is full.
    var threshold: Float { scores.count < capacity ? -.infinity : scores[0] }

    @inline(__always)
    mutating func offer(_ score: Float, id: Int64) {
        guard capacity > 0 else { return }
        if scores.count < capacity {
            scores.append(score)
            ids.append(id)
            siftUp(scores.count - 1)
        } else if score > scores[0] {
            scores[0] = score
            ids[0] = id
            siftDown(0)
        }
    }

    /// Best first; equal scores by id, so results are reproducible.
    func sorted() -> [(id: Int64, score: Float)] {
        zip(ids, scores).map { (id: $0, score: $1) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard scores[child] < scores[parent] else { return }
            scores.swapAt(child, parent)
            ids.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < scores.count, scores[left] < scores[smallest] { smallest = left }
            if right < scores.count, scores[right] < scores[smallest] { smallest = right }
            guard smallest != parent else { return }
            scores.swapAt(parent, smallest)
            ids.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

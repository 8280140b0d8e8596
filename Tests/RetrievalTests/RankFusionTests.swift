import Testing
@testable import Retrieval

@Suite struct RankFusionTests {
    @Test func itemsRankedHighInBothListsWin() {
        let fused = RankFusion.fuse([[1, 2, 3], [3, 1, 4]])
        #expect(fused.map(\.id) == [1, 3, 2, 4])
        #expect(abs(fused[0].score - (1.0 / 61 + 1.0 / 62)) < 1e-12)
        #expect(abs(fused[3].score - 1.0 / 63) < 1e-12)
    }

    @Test func oneRankingAloneKeepsItsOrder() {
        #expect(RankFusion.fuse([[7, 5, 9], []]).map(\.id) == [7, 5, 9])
        #expect(RankFusion.fuse([] as [[Int64]]).isEmpty)
    }

    @Test func tiesKeepTheOrderOfFirstAppearance() {
        // 10 is first in one list, 20 first in the other: equal scores.
        #expect(RankFusion.fuse([[10], [20]]).map(\.id) == [10, 20])
    }

    @Test func weightsScaleEachRankingsShare() {
        // 3 is first in the weighted list; 1 is first in the other and second in the weighted one.
        let fused = RankFusion.fuse([[1, 2], [3, 1]], weights: [1, 3], k: 10)
        #expect(fused.map(\.id) == [1, 3, 2])
        #expect(abs(fused[0].score - (1.0 / 11 + 3.0 / 12)) < 1e-12)
        #expect(abs(fused[1].score - 3.0 / 11) < 1e-12)
        // Equal weights are plain fusion.
        #expect(RankFusion.fuse([[1, 2, 3], [3, 1, 4]], weights: [2, 2]).map(\.id) == [1, 3, 2, 4])
    }

    @Test func documentsFuseLikeChunks() {
        let fused = RankFusion.fuse([["guide", "diet"], ["diet", "budget"]])
        #expect(fused.map(\.id) == ["diet", "guide", "budget"])
    }
}

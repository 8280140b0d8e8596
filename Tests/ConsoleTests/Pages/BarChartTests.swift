import Testing

@testable import Console

/// The usage charts' geometry: bars in proportion, the largest full width, none negative.
@Suite struct BarChartTests {
    @Test func barsAreInProportionToTheLargest() {
        let chart = BarChart([("a", 100), ("b", 50), ("c", 0), ("d", 1)])
        #expect(chart.bars.map(\.width) == [BarChart.barSpace, BarChart.barSpace / 2, 0, 4])
        #expect(chart.bars.map(\.y) == [0, 24, 48, 72])
        #expect(chart.height == 4 * BarChart.rowHeight)
    }

    @Test func aTinyValueStillShowsAndNegativesAreZero() {
        let chart = BarChart([("big", 1_000_000_000), ("tiny", 1), ("broken", -5)])
        #expect(chart.bars[1].width == 1)
        #expect(chart.bars[2].width == 0)
        #expect(chart.bars[2].value == 0)
    }

    @Test func anEmptyChartSaysSo() {
        let view = BarChart([]).view(id: "x", title: "X")
        #expect(view["empty"] as? Bool == true)
        #expect(BarChart([]).height == BarChart.rowHeight)
    }

    @Test func labelsAreEscapedInTheDrawing() {
        let templates = ConsoleTemplates()
        let svg = templates.render("chart", BarChart([("<script>", 3)]).view(id: "k", title: "T"))
        #expect(svg.contains("&lt;script&gt;"))
        #expect(!svg.contains("<script>"))
    }
}

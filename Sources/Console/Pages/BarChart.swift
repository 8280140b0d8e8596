/// A horizontal bar chart's geometry, drawn as SVG by the usage page's template: one bar per
/// label, the longest as wide as the chart, each with its value written beside it.
struct BarChart: Sendable, Hashable {
    struct Bar: Sendable, Hashable {
        let label: String
        let value: Int
        /// Top edge and length of the bar, in SVG user units.
        let y: Int
        let width: Int
    }

    static let rowHeight = 24
    static let barHeight = 16
    /// The bars' longest length; the labels take the space left of them.
    static let barSpace = 420
    static let labelSpace = 180

    let bars: [Bar]

    /// - Parameter points: label and value of each bar, in drawing order.
    init(_ points: [(String, Int)]) {
        let largest = max(points.map { $0.1 }.max() ?? 0, 1)
        bars = points.enumerated().map { index, point in
            let value = max(point.1, 0)
            // Widths in whole units; a non-zero value always shows at least one unit.
            let width =
                value == 0 ? 0 : max(1, Int((Double(value) / Double(largest) * Double(Self.barSpace)).rounded()))
            return Bar(label: point.0, value: value, y: index * Self.rowHeight, width: width)
        }
    }

    var height: Int { max(bars.count, 1) * Self.rowHeight }
    var width: Int { Self.labelSpace + Self.barSpace + 80 }

    /// What the template reads: `id` names the chart's title element, `title` is read out.
    func view(id: String, title: String) -> [String: Any] {
        [
            "id": id, "title": title, "width": width, "height": height, "labelSpace": Self.labelSpace,
            "barHeight": Self.barHeight,
            "bars": bars.map { bar -> [String: Any] in
                [
                    "label": bar.label, "value": bar.value, "y": bar.y, "textY": bar.y + Self.barHeight - 3,
                    "x": Self.labelSpace, "width": bar.width, "valueX": Self.labelSpace + bar.width + 6,
                ]
            },
            "empty": bars.isEmpty,
        ]
    }
}

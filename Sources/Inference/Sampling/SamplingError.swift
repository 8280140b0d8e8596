/// Why sampling parameters or stop strings were refused. Each case names the parameter and its range.
public enum SamplingError: Error, CustomStringConvertible, Equatable {
    case outOfRange(parameter: String, value: String, range: String)
    case emptyStopString

    public var description: String {
        switch self {
        case .outOfRange(let parameter, let value, let range):
            return "\(parameter) must be \(range), got \(value)"
        case .emptyStopString:
            return "stop strings must not be empty"
        }
    }
}

/// Why a chat template could not be chosen or a conversation could not be rendered.
public enum ChatTemplateError: Error, CustomStringConvertible, Equatable {
    case missingTemplate
    case unrecognizedTemplate(excerpt: String)
    case unknownTemplateName(String)
    case noMessages
    case unknownRole(String, index: Int)
    case systemMessageNotFirst(index: Int)
    case rolesMustAlternate(index: Int, role: String)

    public var description: String {
        let names = ChatTemplate.knownNames.joined(separator: ", ")
        switch self {
        case .missingTemplate:
            return "the model has no tokenizer.chat_template; choose one with --chat-template NAME (\(names))"
        case .unrecognizedTemplate(let excerpt):
            return "the model's chat template is not one Atrium recognizes (it begins \(excerpt.debugDescription)); "
                + "choose one with --chat-template NAME (\(names))"
        case .unknownTemplateName(let name):
            return "unknown chat template '\(name)' (known: \(names))"
        case .noMessages:
            return "the conversation has no messages"
        case .unknownRole(let role, let index):
            return "message \(index) has role '\(role)'; roles are system, user and assistant"
        case .systemMessageNotFirst(let index):
            return "message \(index) is a system message; this template allows one only as the first message"
        case .rolesMustAlternate(let index, let role):
            return "message \(index) has role '\(role)'; after an optional system message, this template needs "
                + "user and assistant messages to alternate, starting with user"
        }
    }
}

import Testing
@testable import Inference

/// The other families, recognized from (abridged) Jinja sources of their models and rendered as those
/// templates render; expectations written by hand from each family's documented format.
@Suite struct FamilyChatTemplateTests {
    static func template(_ source: String?, bos: String = "<s>", eos: String = "</s>") throws -> ChatTemplate {
        var entries: [(String, GGUFValue)] = [
            ("tokenizer.ggml.tokens", HandmadeVocabularies.strings([bos, eos])),
            ("tokenizer.ggml.bos_token_id", .uint32(0)),
            ("tokenizer.ggml.eos_token_id", .uint32(1)),
        ]
        if let source { entries.append(("tokenizer.chat_template", .string(source))) }
        return try ChatTemplate(metadata: HandmadeVocabularies.metadata(entries))
    }

    let conversation: [ChatMessage] = [.system("Be brief."), .user(" Hi! "), .assistant("Hello."), .user("Name a colour.")]

    static let llama3Source = """
        {% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + \
        message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}\
        {% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}\
        {{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}
        """

    @Test func llama3() throws {
        let template = try Self.template(Self.llama3Source, bos: "<|begin_of_text|>", eos: "<|end_of_text|>")
        #expect(template.name == "llama3")
        #expect(template.endOfTurn == "<|eot_id|>")
        let text = try template.render(conversation, addGenerationPrompt: true).text
        #expect(text == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nName a colour.<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    static let gemmaSource = """
        {{ bos_token }}{%- if messages[0]['role'] == 'system' -%}{%- set first_user_prefix = messages[0]['content'] + \
        '\n\n' -%}{%- set loop_messages = messages[1:] -%}{%- endif -%}{%- for message in loop_messages -%}\
        {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}{{ message['content'] | trim }}\
        {{ '<end_of_turn>\n' }}{%- endfor -%}{%- if add_generation_prompt -%}{{'<start_of_turn>model\n'}}{%- endif -%}
        """

    @Test func gemmaMergesTheSystemMessageIntoTheFirstUserTurn() throws {
        let template = try Self.template(Self.gemmaSource, bos: "<bos>", eos: "<eos>")
        #expect(template.name == "gemma")
        #expect(template.endOfTurn == "<end_of_turn>")
        let prompt = try template.render(conversation, addGenerationPrompt: true)
        #expect(prompt.text == "<bos><start_of_turn>user\nBe brief.\n\nHi!<end_of_turn>\n"
            + "<start_of_turn>model\nHello.<end_of_turn>\n<start_of_turn>user\nName a colour.<end_of_turn>\n"
            + "<start_of_turn>model\n")
        #expect(prompt.segments.first == PromptSegment(.scaffolding, "<bos><start_of_turn>user\n"))
        #expect(prompt.segments.dropFirst().first == PromptSegment(.content, "Be brief."))
    }

    @Test func gemmaRefusesTurnsThatDoNotAlternate() throws {
        let template = try Self.template(Self.gemmaSource, bos: "<bos>", eos: "<eos>")
        #expect(throws: ChatTemplateError.rolesMustAlternate(index: 1, role: "user")) {
            try template.render([.user("a"), .user("b")], addGenerationPrompt: true)
        }
        #expect(throws: ChatTemplateError.rolesMustAlternate(index: 0, role: "assistant")) {
            try template.render([.assistant("a")], addGenerationPrompt: true)
        }
        #expect(throws: ChatTemplateError.systemMessageNotFirst(index: 2)) {
            try template.render([.user("a"), .assistant("b"), .system("c")], addGenerationPrompt: true)
        }
    }

    static let mistralSource = """
        {{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\
        {{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}\
        {% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == \
        'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles \
        are supported!') }}{% endif %}{% endfor %}
        """

    @Test func mistral() throws {
        let template = try Self.template(Self.mistralSource)
        #expect(template.name == "mistral")
        #expect(template.endOfTurn == "</s>")
        #expect(try template.render(conversation, addGenerationPrompt: true).text
            == "<s>[INST] Be brief.\n\n Hi!  [/INST]Hello.</s>[INST] Name a colour. [/INST]")
    }

    @Test func mistralWithSpacedInstructions() throws {
        let source = "{{- bos_token }}{%- for message in loop_messages %}{{- ' [INST] ' + system_message + '\\n\\n' + "
            + "message['content'] + ' [/INST]' }}{{- ' ' + message['content'] + eos_token}}{%- endfor %}"
        let template = try Self.template(source)
        #expect(try template.render([.user("Hi"), .assistant("Yo"), .user("Bye")], addGenerationPrompt: true).text
            == "<s> [INST] Hi [/INST] Yo</s> [INST] Bye [/INST]")
    }

    static let llama2Source = """
        {% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = \
        messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}\
        {% for message in loop_messages %}{% if loop.index0 == 0 and system_message != false %}{% set content = \
        '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = \
        message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + \
        ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}\
        {% endfor %}
        """

    @Test func llama2() throws {
        let template = try Self.template(Self.llama2Source)
        #expect(template.name == "llama2")
        #expect(try template.render(conversation, addGenerationPrompt: true).text
            == "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi! [/INST] Hello. </s><s>[INST] Name a colour. [/INST]")
    }

    static let phi3Source = """
        {% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + \
        '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif \
        message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}\
        {% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}
        """

    @Test func phi3() throws {
        let template = try Self.template(Self.phi3Source, bos: "<s>", eos: "<|endoftext|>")
        #expect(template.name == "phi3")
        #expect(template.endOfTurn == "<|end|>")
        #expect(try template.render([.system("S"), .user("U")], addGenerationPrompt: true).text
            == "<|system|>\nS<|end|>\n<|user|>\nU<|end|>\n<|assistant|>\n")
        #expect(try template.render([.user("U"), .assistant("A")], addGenerationPrompt: false).text
            == "<|user|>\nU<|end|>\n<|assistant|>\nA<|end|>\n<|endoftext|>")
    }

    static let zephyrSource = """
        {% for message in messages %}
        {% if message['role'] == 'user' %}
        {{ '<|user|>\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'system' %}
        {{ '<|system|>\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'assistant' %}
        {{ '<|assistant|>\n'  + message['content'] + eos_token }}
        {% endif %}
        {% if loop.last and add_generation_prompt %}
        {{ '<|assistant|>' }}
        {% endif %}
        {% endfor %}
        """

    @Test func zephyr() throws {
        let template = try Self.template(Self.zephyrSource)
        #expect(template.name == "zephyr")
        #expect(template.endOfTurn == "</s>")
        #expect(try template.render([.system("S"), .user("U")], addGenerationPrompt: true).text
            == "<|system|>\nS</s>\n<|user|>\nU</s>\n<|assistant|>\n")
    }

    @Test func unknownAndMissingTemplatesAreRefusedClearly() throws {
        #expect(throws: ChatTemplateError.unrecognizedTemplate(excerpt: "### Instruction: {{ prompt }}")) {
            try Self.template("### Instruction: {{ prompt }}")
        }
        #expect(throws: ChatTemplateError.missingTemplate) { try Self.template(nil) }
        let message = ChatTemplateError.unrecognizedTemplate(excerpt: "x").description
        #expect(message.contains("--chat-template") && message.contains("chatml, llama3, gemma"))
    }

    @Test func badConversationsAreRefused() throws {
        let template = try Self.template("<|im_start|>")
        #expect(throws: ChatTemplateError.noMessages) { try template.render([], addGenerationPrompt: true) }
        #expect(throws: ChatTemplateError.unknownRole("tool", index: 1)) {
            try template.render([.user("a"), ChatMessage(role: "tool", content: "b")], addGenerationPrompt: true)
        }
    }

    @Test func defaultSystemPromptIsReadOnlyFromLiteralText() {
        let qwen = "{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You\\'re helpful.<|im_end|>\\n' }}"
        #expect(ChatTemplate.defaultChatMLSystemPrompt(in: qwen) == "You are Qwen, created by Alibaba Cloud. You're helpful.")
        let generic = "{{'<|im_start|>system\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        #expect(ChatTemplate.defaultChatMLSystemPrompt(in: generic) == nil)
        #expect(ChatTemplate.defaultChatMLSystemPrompt(in: "{{ '<|im_start|>' + message['role'] }}") == nil)
    }
}

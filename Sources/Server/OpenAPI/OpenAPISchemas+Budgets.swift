extension OpenAPISchemas {
    /// Budgets and model prices. Token amounts are integers; cost amounts exact decimal
    /// strings (a request may also send a JSON number).
    static var budgetSchemas: [String: Schema] {
        let decimal: Schema = ["type": "string", "pattern": "^[0-9]{0,10}(\\.[0-9]{1,6})?$"]
        let amount: Schema = [
            "oneOf": [integer, decimal], "description": "Tokens (integer) or cost (decimal string, six places at most)",
        ]
        let decimalInput: Schema = ["oneOf": [decimal, ["type": "number", "minimum": 0]]]
        return [
            "BudgetRequest": object(
                [
                    "user": ["type": "string", "description": "A user of the team (id or name): that user's budget"],
                    "key": ["type": "string", "description": "One of the team's key ids: that key's budget"],
                    "unit": ["type": "string", "enum": ["tokens", "cost"]],
                    "amount": [
                        "oneOf": [integer, decimal, ["type": "number", "exclusiveMinimum": 0]],
                        "description": "Whole tokens (1 to 10^15), or a cost above 0 and at most 10^9 (six places)",
                    ],
                    "period": ["type": "string", "enum": ["monthly", "window"], "default": "monthly"],
                    "start": ["type": "string", "format": "date-time", "description": "period window: its first instant"],
                    "end": ["type": "string", "format": "date-time", "description": "period window: after its last instant"],
                    "warn_percent": ["type": "integer", "minimum": 1, "maximum": 100, "default": 80],
                ], required: ["unit", "amount"]),
            "Budget": object(
                [
                    "id": string, "subject": ["type": "string", "enum": ["team", "user", "key"]], "user": string,
                    "key": string, "unit": ["type": "string", "enum": ["tokens", "cost"]], "amount": amount,
                    "period": ["type": "string", "enum": ["monthly", "window"]], "start": dateTime, "end": dateTime,
                    "warn_percent": integer,
                    "period_start": [
                        "type": ["string", "null"], "format": "date-time",
                        "description": "The current period's start (null: outside the window)",
                    ],
                    "resets_at": [
                        "type": ["string", "null"], "format": "date-time", "description": "The current period's end",
                    ],
                    "spent": amount, "reserved": ["oneOf": [integer, decimal], "description": "Held by running requests"],
                    "remaining": amount,
                ],
                required: [
                    "id", "subject", "unit", "amount", "period", "warn_percent", "spent", "reserved", "remaining",
                ]),
            "BudgetList": list(of: "Budget"),
            "Price": object(
                ["model": string, "prompt_per_1k": decimalInput, "completion_per_1k": decimalInput],
                required: ["prompt_per_1k", "completion_per_1k"]),
            "PriceList": list(of: "Price"),
        ]
    }
}

/// A token's index in the model's vocabulary.
public typealias TokenID = Int32

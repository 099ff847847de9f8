/// What a test needed from the machine and did not find (a user, a temp folder other users can reach).
public struct TestSetupError: Error, CustomStringConvertible {
    /// What is missing, in a sentence.
    public let description: String
}

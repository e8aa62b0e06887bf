namespace OnnxTransfer;

/// <summary>
/// An error caused by the user's input (a file, a layer name, an option), not by a bug.
/// The message is one line that names the bad thing and, where there is one, the fix;
/// the CLI prints it without a stack trace and exits with a non-zero code.
/// </summary>
public sealed class OnnxTransferException : Exception
{
    public OnnxTransferException(string message) : base(message) { }

    public OnnxTransferException(string message, Exception inner) : base(message, inner) { }
}

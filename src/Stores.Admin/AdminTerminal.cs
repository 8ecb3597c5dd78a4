using System;
using System.IO;

namespace SessionStores.Admin;

/// <summary>
/// What the tool may assume about the terminal it runs in. The tests pass their own, so a confirmation can be answered
/// (or refused) and a progress display switched on without a real terminal.
/// </summary>
/// <param name="Input">Where a confirmation is read from, or <see langword="null"/> when nobody can answer (stdin redirected).</param>
/// <param name="OutputIsTerminal">Whether stdout is a terminal: streamed rows then are the progress, so no bar is drawn.</param>
/// <param name="ErrorIsTerminal">Whether stderr is a terminal: only then is a progress display drawn there.</param>
internal sealed record AdminTerminal(TextReader? Input, bool OutputIsTerminal, bool ErrorIsTerminal)
{
    /// <summary>No terminal at all: how a script or CI runs the tool.</summary>
    public static AdminTerminal None { get; } = new(null, false, false);

    /// <summary>The process's own console.</summary>
    public static AdminTerminal FromConsole() =>
        new(Console.IsInputRedirected ? null : Console.In, !Console.IsOutputRedirected, !Console.IsErrorRedirected);
}

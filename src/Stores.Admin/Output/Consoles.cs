using System.IO;
using Spectre.Console;

namespace SessionStores.Admin.Output;

/// <summary>Spectre consoles over the tool's writers: colours and live rendering only on a terminal.</summary>
internal static class Consoles
{
    /// <summary>Wide enough that a 256-character id does not wrap a table when the output goes to a file.</summary>
    private const int RedirectedWidth = 200;

    public static IAnsiConsole For(TextWriter writer, bool isTerminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}

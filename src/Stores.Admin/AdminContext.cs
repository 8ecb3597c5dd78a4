using System;
using System.CommandLine;
using System.IO;
using SessionStores.Admin.Backends;
using SessionStores.Admin.Output;
using Spectre.Console;

namespace SessionStores.Admin;

/// <summary>What every command needs: the global options, the writers, the terminal and the environment.</summary>
internal sealed class AdminContext
{
    private readonly Func<string, string?> _environment;

    public AdminContext(TextWriter output, TextWriter error, AdminTerminal terminal, Func<string, string?> environment)
    {
        Output = output;
        Error = error;
        Terminal = terminal;
        _environment = environment;
    }

    public GlobalOptions Options { get; } = new();

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public AdminTerminal Terminal { get; }

    /// <summary>Opens the store the command line names; usage errors surface before any I/O.</summary>
    public AdminStore OpenStore(ParseResult parseResult) =>
        StoreFactories.Open(parseResult.GetRequiredValue(Options.Store), Options.Settings(parseResult, _environment));

    /// <summary>The operation timeout the command line gives every store it opens (the target's and any other).</summary>
    public TimeSpan OperationTimeout(ParseResult parseResult) => StoreFactories.TimeoutOf(Options.Settings(parseResult, _environment));

    public bool Json(ParseResult parseResult) => parseResult.GetValue(Options.Json);

    /// <summary>A Spectre console over stdout, for tables.</summary>
    public IAnsiConsole OutputConsole() => Consoles.For(Output, Terminal.OutputIsTerminal);
}

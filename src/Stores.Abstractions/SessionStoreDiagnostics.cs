using System;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SessionStores;

/// <summary>
/// The names under which every store publishes traces and metrics, for
/// <c>AddSource(SessionStoreDiagnostics.ActivitySourceName)</c> and <c>AddMeter(SessionStoreDiagnostics.MeterName)</c>.
/// </summary>
/// <remarks>
/// Spans and the <c>db.client.operation.duration</c> histogram follow the OpenTelemetry database conventions:
/// <c>db.system.name</c> (for example <c>redis</c>, <c>postgresql</c>, <c>file</c>, <c>memory</c>),
/// <c>db.operation.name</c> (<c>get</c>, <c>get_and_touch</c>, <c>set</c>, <c>touch</c>, <c>destroy</c>, <c>list</c>,
/// <c>count</c>, <c>destroy_many</c>) and <c>error.type</c> on failure. Session ids and data are never recorded.
/// </remarks>
public static class SessionStoreDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name.</summary>
    public const string ActivitySourceName = "SessionStores";

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name.</summary>
    public const string MeterName = "SessionStores";

    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "db.client.operation.duration", unit: "s", description: "Duration of session store operations.");
}

/// <summary>
/// Times one store operation for <see cref="SessionStoreDiagnostics"/>. Costs two reads of a flag when nobody listens.
/// </summary>
/// <example><code>
/// var operation = SessionStoreOperation.Start("redis", "get");
/// try { var result = await DoAsync(); operation.Complete(); return result; }
/// catch (Exception ex) { operation.Fail(ex); throw; }
/// </code></example>
public readonly struct SessionStoreOperation
{
    private readonly Activity? _activity;
    private readonly long _started;
    private readonly string? _system;
    private readonly string? _operation;

    private SessionStoreOperation(Activity? activity, long started, string system, string operation)
    {
        _activity = activity;
        _started = started;
        _system = system;
        _operation = operation;
    }

    /// <summary>Starts timing an operation, when anyone listens.</summary>
    /// <param name="system">The backend, as <c>db.system.name</c>.</param>
    /// <param name="operation">The operation, as <c>db.operation.name</c>.</param>
    /// <returns>The running operation (inert when nobody listens).</returns>
    public static SessionStoreOperation Start(string system, string operation)
    {
        var metrics = SessionStoreDiagnostics.OperationDuration.Enabled;
        Activity? activity = null;
        if (SessionStoreDiagnostics.ActivitySource.HasListeners())
        {
            activity = SessionStoreDiagnostics.ActivitySource.StartActivity(operation, ActivityKind.Client);
            activity?.SetTag("db.system.name", system);
            activity?.SetTag("db.operation.name", operation);
        }

        return metrics || activity is not null ? new(activity, Stopwatch.GetTimestamp(), system, operation) : default;
    }

    /// <summary>Records a successful end.</summary>
    public void Complete() => End(null);

    /// <summary>Records a failed end.</summary>
    /// <param name="exception">What failed.</param>
    public void Fail(Exception exception) => End(exception);

    private void End(Exception? exception)
    {
        if (_system is null)
        {
            return;
        }

        var errorType = exception?.GetType().FullName;
        if (_activity is not null)
        {
            if (errorType is not null)
            {
                _activity.SetTag("error.type", errorType);
                _activity.SetStatus(ActivityStatusCode.Error, exception!.Message);
            }

            _activity.Dispose();
        }

        if (SessionStoreDiagnostics.OperationDuration.Enabled)
        {
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            if (errorType is null)
            {
                SessionStoreDiagnostics.OperationDuration.Record(seconds, new("db.system.name", _system), new("db.operation.name", _operation));
            }
            else
            {
                SessionStoreDiagnostics.OperationDuration.Record(
                    seconds, new("db.system.name", _system), new("db.operation.name", _operation), new("error.type", errorType));
            }
        }
    }
}

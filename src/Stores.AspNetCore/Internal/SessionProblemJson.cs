using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace SessionStores.AspNetCore.Internal;

/// <summary>Source-generated JSON for <see cref="ProblemDetails"/> (no reflection, trimming-safe).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProblemDetails))]
internal sealed partial class SessionProblemJson : JsonSerializerContext
{
}

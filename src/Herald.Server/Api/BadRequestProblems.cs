using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace Herald.Server.Api;

/// <summary>
/// Turns what the framework refuses before an endpoint runs (JSON that does not parse or does not
/// fit, a query parameter of the wrong type, a missing body) into a problem response naming the
/// field, as the endpoints' own checks do, instead of a bare "Bad Request".
/// </summary>
public sealed partial class BadRequestProblems : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
            return false;
        var (field, problem) = Describe(bad);
        await Problems.Invalid(field, problem, bad.StatusCode).ExecuteAsync(context);
        return true;
    }

    private static (string Field, string Problem) Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            // "$.qos" names the field; "$[3].topic" the field of the fourth message of a batch.
            var field = json.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "$";
            var detail = json.Message.Split(" Path:")[0];
            return (field, detail.Contains("could not be mapped", StringComparison.Ordinal)
                ? $"holds a field the API does not know: {detail}"
                : $"is not valid JSON of the right type: {detail}");
        }
        if (ParameterName().Match(bad.Message) is { Success: true } parameter)
            return (parameter.Groups[1].Value, $"has a value of the wrong type: {bad.Message}");
        return ("$", bad.Message);
    }

    // "Failed to bind parameter "int? limit" from "ten"."
    [GeneratedRegex("""parameter "(?:[^"]* )?([A-Za-z_][A-Za-z0-9_]*)" from""")]
    private static partial Regex ParameterName();
}

namespace Herald.Server.Api;

/// <summary>The API's RFC 9457 problem responses, each naming what is at fault.</summary>
public static class Problems
{
    /// <summary>400 (or <paramref name="status"/>) naming the JSON field or query parameter at fault, in <c>errors</c> and in the title.</summary>
    public static IResult Invalid(string field, string problem, int status = StatusCodes.Status400BadRequest) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [problem] }, statusCode: status, title: $"'{field}' {problem}");

    public static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);
}

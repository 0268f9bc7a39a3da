using System.Reflection;

namespace Herald.Server.Dashboard;

/// <summary>
/// Serves the dashboard: <c>/</c> is its page, <c>/dashboard/{file}</c> its script and style.
/// The files are embedded in the server, so it runs from any directory with nothing beside it.
/// The page itself holds no data: it asks the API with the key the operator signs in with.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Asset("index.html")).ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", (string file) => Asset(file)).ExcludeFromDescription();
    }

    private static IResult Asset(string file)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"dashboard/{file}");
        if (stream is null || !ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType))
        {
            stream?.Dispose();
            return Results.NotFound();
        }
        return Results.Stream(stream, contentType);
    }
}

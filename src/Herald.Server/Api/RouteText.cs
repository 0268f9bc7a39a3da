using System.Globalization;

namespace Herald.Server.Api;

/// <summary>How the API reads text from a URL that MQTT names may not fit as they are.</summary>
public static class RouteText
{
    private static readonly string[] Rfc3339 = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>
    /// A client id or username from a path segment. ASP.NET Core decodes every escape in a path
    /// but <c>%2F</c>, which it leaves as is so that it cannot make a new segment; a client id may
    /// hold '/', so its <c>%2F</c> is decoded here.
    /// </summary>
    public static string Name(string segment) =>
        segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>An RFC 3339 date and time with its offset, such as <c>2026-12-02T08:00:00Z</c>.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, Rfc3339, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}

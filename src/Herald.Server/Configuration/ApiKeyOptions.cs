namespace Herald.Server.Configuration;

/// <summary><c>Herald:Http:ApiKeys:N</c>: one more API key, limited to some scopes (publish, read, admin).</summary>
public sealed class ApiKeyOptions
{
    public string Key { get; set; } = "";

    public List<string> Scopes { get; set; } = [];
}

using Herald.Server;
using Herald.Server.Configuration;
using Herald.Storage.Sqlite;
using Microsoft.AspNetCore.Connections;

// Verbs on the one executable: `herald serve` (the default) now; user and ACL verbs later.
var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
var rest = verb == "serve" && args.Length > 0 && args[0] == "serve" ? args[1..] : args;
if (verb != "serve")
{
    Console.Error.WriteLine($"herald: unknown command '{verb}'. Usage: herald [serve] [--Herald:Mqtt:Port=1883 ...]");
    return 2;
}

try
{
    var app = HeraldHost.Build(rest);
    await app.RunAsync();
    return 0;
}
catch (ConfigurationException e)
{
    Console.Error.WriteLine($"herald: invalid configuration: {e.Message}");
    return 2;
}
catch (StoreException e)
{
    Console.Error.WriteLine($"herald: cannot start: {e.Message}");
    return 2;
}
catch (IOException e) when (e.InnerException is AddressInUseException)
{
    // Kestrel's message names the address: "Failed to bind to address http://127.0.0.1:1883: address already in use."
    Console.Error.WriteLine($"herald: cannot listen: {e.Message} Another process holds the port; choose another with --Herald:Mqtt:Port or --Herald:Http:Port.");
    return 2;
}

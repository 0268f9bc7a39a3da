using Herald.Server;
using Herald.Server.Configuration;

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

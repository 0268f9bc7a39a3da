using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Herald.Server.Configuration;

/// <summary>Turns a configured address into Kestrel listeners.</summary>
public static class ListenAddress
{
    public const string Localhost = "localhost";
    public const string Any = "*";

    public static bool IsValid(string address) =>
        address is Localhost or Any || IPAddress.TryParse(address, out _);

    /// <summary>Whether only this machine can reach the address.</summary>
    public static bool IsLoopback(string address) =>
        address == Localhost || (IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip));

    public static void Listen(KestrelServerOptions kestrel, string address, int port, Action<ListenOptions> configure)
    {
        switch (address)
        {
            case Localhost:
                kestrel.ListenLocalhost(port, configure);
                break;
            case Any:
                kestrel.ListenAnyIP(port, configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(address), port, configure);
                break;
        }
    }

    public static string Describe(string address, int port) => address switch
    {
        Localhost => $"127.0.0.1:{port} and [::1]:{port}",
        Any => $"every interface, port {port}",
        _ => new IPEndPoint(IPAddress.Parse(address), port).ToString(),
    };
}

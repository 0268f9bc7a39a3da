namespace Herald.Protocol;

/// <summary>Maps an MQTT 5 CONNACK reason to the nearest MQTT 3.1/3.1.1 return code.</summary>
public static class ConnectReturnCodes
{
    public static ConnectReturnCode From(ReasonCode reason) => reason switch
    {
        ReasonCode.Success => ConnectReturnCode.Accepted,
        ReasonCode.UnsupportedProtocolVersion => ConnectReturnCode.UnacceptableProtocolVersion,
        ReasonCode.ClientIdentifierNotValid => ConnectReturnCode.IdentifierRejected,
        ReasonCode.ServerUnavailable or ReasonCode.ServerBusy or ReasonCode.ServerShuttingDown
            or ReasonCode.QuotaExceeded or ReasonCode.ConnectionRateExceeded => ConnectReturnCode.ServerUnavailable,
        ReasonCode.BadUserNameOrPassword => ConnectReturnCode.BadUsernameOrPassword,
        _ => ConnectReturnCode.NotAuthorized,
    };
}

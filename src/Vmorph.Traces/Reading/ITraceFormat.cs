namespace Vmorph.Traces.Reading;

/// <summary>One trace format: how to recognise it from its content and how to read it.</summary>
internal interface ITraceFormat
{
    /// <summary>The format's name as <see cref="Sources.TraceFile.Format"/> reports it.</summary>
    string Name { get; }

    /// <summary>Whether the content starts the way this format does. Decided from content, never from the file name.</summary>
    bool Matches(TraceHead head);

    /// <summary>Reads the whole file into the context's series and notes.</summary>
    void Read(TraceReadContext context);
}

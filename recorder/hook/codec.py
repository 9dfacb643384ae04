"""How kept events are compressed: zlib with a preset dictionary (stdlib only).

A kept event is a few hundred bytes of JSON whose keys and many values (event names,
tool names, usage fields, paths under ``~/.claude/projects``) every Claude Code event
carries. Compressed alone, zlib spends most of a small event spelling those out; primed
with a dictionary that holds them, it refers back to the dictionary instead (about a
quarter smaller for an event kept alone, a few percent for a block of them).

The format marker is zlib's own: a stream compressed with a preset dictionary has the
FDICT flag set and the dictionary's Adler-32 right after its two header bytes, so
``inflate`` reads rows written without a dictionary (every row before this module) and
with any dictionary listed in ``DICTIONARIES``. A dictionary, once used, never changes:
a better one is added under its own Adler-32 and becomes ``DICTIONARY``.

    blob = deflate(text)          # what keep.pack and compaction store
    text = inflate(blob)          # any kept event or block, old or new
"""

import zlib

FDICT = 0x20  # the FLG bit of a zlib header: a dictionary id follows the header

# Fragments of the JSON that kept events are made of, least common first: zlib finds
# the nearest match, and the end of the dictionary is nearest to the data. Keys and
# values are Claude Code's (2.1.x hook inputs, Task/Agent tool responses) and the
# recorder's own (``_agent_runs`` and its transcript usage records).
FRAGMENTS_V1 = (
    '"error_details":"","error":"","reason":"prompt_input_exit","reason":"other",',
    '"source":"startup","source":"resume","source":"clear","source":"compact",',
    '"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},',
    '"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,',
    '"ephemeral_5m_input_tokens":},"modelsUsed":["claude-"],"toolsUsed":["Read","Grep","Bash"],',
    '"isAsync":true,"status":"async_launched","outputFile":"","canReadOutputFile":true,',
    '"toolStats":{"readCount":,"searchCount":,"bashCount":,"editFileCount":,',
    '"linesAdded":,"linesRemoved":,"otherToolCount":},',
    '"usage":{"input_tokens":,"cache_creation_input_tokens":,"cache_read_input_tokens":,',
    '"output_tokens":,"totalDurationMs":,"totalTokens":,"totalToolUseCount":,',
    '"tool_response":{"status":"completed","prompt":"","agentId":"","agentType":"",',
    '"content":[{"type":"text","text":""}],"resolvedModel":"claude-',
    '"tool_input":{"file_path":"","old_string":"","new_string":"","content":"",',
    '"command":"","pattern":"","path":"","run_in_background":true,',
    '"background_tasks":[],"stop_hook_active":false,"duration_ms":,"type":"subagent",',
    '"agent_transcript_path":"/subagents/agent-.jsonl","last_assistant_message":"',
    '"agent_definition":{"agent_type":"","source":"user","path":"/.claude/agents/.md",',
    '"hash":"","description":""},"usage":{"v":1,"path":"","bytes":,"complete":true,',
    '"meta":{},"responses":[{"model":"claude-sonnet-4-6","input":,"output":,',
    '"cache_read":,"cache_write":,"cache_write_1h":0},{"model":"claude-opus-4-6",',
    '"tools":[{"id":"toolu_","name":"Read","error":false},{"id":"toolu_","name":"Bash",',
    '"hook_event_name":"SessionStart","hook_event_name":"SessionEnd","model":"claude-',
    '"hook_event_name":"UserPromptSubmit","hook_event_name":"Stop",',
    '"hook_event_name":"SubagentStart","hook_event_name":"SubagentStop",',
    '"hook_event_name":"TranscriptUsage","hook_event_name":"PostToolUseFailure",',
    '"tool_name":"Task","tool_name":"Agent","tool_name":"Read","tool_name":"Edit",',
    '"subagent_type":"general-purpose","subagent_type":"Explore","model":"sonnet",',
    '"agent_id":"","agent_type":"general-purpose","agent_type":"Explore",',
    '"tool_input":{"description":"","prompt":"","subagent_type":"","prompt_id":null,',
    '{"session_id":"","transcript_path":"/home//.claude/projects/-home-/.jsonl",',
    '"cwd":"/home/","permission_mode":"default","hook_event_name":"PreToolUse",',
    '"hook_event_name":"PostToolUse","tool_name":"Task","tool_use_id":"toolu_',
    '"_agent_runs":{"received_at":"20',
)
DICTIONARY = "".join(FRAGMENTS_V1).encode("utf-8")
# zlib's default: the same output as 9 for kept events and blocks within 0.01%, with half
# the hash table (64 KB), which a process that packs thousands of events allocates again
# for each from memory it already has instead of fresh pages.
MEMORY_LEVEL = 8
DICTIONARIES = {zlib.adler32(DICTIONARY): DICTIONARY}


def deflate(data: bytes, level: int = -1) -> bytes:
    """``data`` as a zlib stream primed with ``DICTIONARY`` (``level`` as for zlib)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS, MEMORY_LEVEL, zdict=DICTIONARY)
    return packer.compress(data) + packer.flush()


def inflate(blob: bytes) -> bytes:
    """What ``deflate`` (or plain ``zlib.compress``) was given."""
    if len(blob) < 6 or not blob[1] & FDICT:
        return zlib.decompress(blob)
    dictionary = DICTIONARIES.get(int.from_bytes(blob[2:6], "big"))
    if dictionary is None:
        raise ValueError("kept data compressed with a dictionary this version does not know")
    unpacker = zlib.decompressobj(zdict=dictionary)
    data = unpacker.decompress(blob) + unpacker.flush()
    if not unpacker.eof:
        raise zlib.error("incomplete kept data")
    return data

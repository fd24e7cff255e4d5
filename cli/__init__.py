"""The `encola` command line: the demo, the AFIP simulator, and the tools an operator uses."""

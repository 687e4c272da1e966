"""Comments follow the task from tool to tool (issue 21): each tool's thread is read
(`threads`), turned into canonical comments linked per tool with a shadow, and what a tool
lacks is written there by the hub's account with an attribution line (`push`)."""

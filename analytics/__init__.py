"""Pure computation: plain data in, plain data out; imports no other layer and never Streamlit."""

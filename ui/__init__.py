"""Streamlit helpers shared by the pages: login, navigation, page header, workspace, strings."""

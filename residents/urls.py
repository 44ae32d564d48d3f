"""Public resident pages and the staff pages of the residents app. Apps above add their public
pages through their own urls modules, included from config/urls.py."""
urlpatterns = []
